import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { buildPlatform } from '../../examples/platform/platform';
import { TagSchema } from '../../src/tags/tag-schema';

// Cost attribution claims every taggable resource carries every required key. "Taggable" here is not our own
// list: each resource of a synthesized template is read back through cloudformation-include, which builds the
// L1 class aws-cdk-lib generates from the CloudFormation resource specification for its type, and a resource is
// taggable when that class has a tag manager. Plain CfnResources (custom resources) have none.

interface Finding {
  readonly resource: string;
  readonly missing: string[];
}

/** Every taggable resource of a template, with the required keys it lacks (empty when it has them all). */
function tagCoverage(templateFile: string, required: readonly string[]): { taggable: string[]; findings: Finding[] } {
  const template = new CfnInclude(new Stack(new App(), 'Read'), 'Template', { templateFile });
  const resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
  const taggable: string[] = [];
  const findings: Finding[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const l1 = template.getResource(id);
    const manager = TagManager.isTaggableV2(l1) ? l1.cdkTagManager : TagManager.isTaggable(l1) ? l1.tags : undefined;
    if (!manager) {
      continue;
    }
    const name = `${id} (${r.Type})`;
    taggable.push(name);
    // Not every type keeps its tags in `Tags`: Budgets and Cost Anomaly Detection use `ResourceTags`. The tag
    // manager knows the property (in its L1 spelling, which starts lower-case).
    const property = manager.tagPropertyName.charAt(0).toUpperCase() + manager.tagPropertyName.slice(1);
    const tags = r.Properties?.[property] as Array<{ Key: string }> | Record<string, string> | undefined;
    const keys = Array.isArray(tags) ? tags.map(t => t.Key) : Object.keys(tags ?? {});
    const missing = required.filter(k => !keys.includes(k));
    if (missing.length > 0) {
      findings.push({ resource: name, missing });
    }
  }
  return { taggable, findings };
}

const REQUIRED = TagSchema.DEFAULT.requiredKeys;
const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'mlops-cost-tags-')) });
const stacks = buildPlatform(app);
const assembly = app.synth();
const coverage = Object.fromEntries(stacks.map(s =>
  [s.stackName, tagCoverage(path.join(assembly.directory, assembly.getStackByName(s.stackName).templateFile), REQUIRED)]));

test.each(stacks.map(s => s.stackName))('%s: every taggable resource carries every required cost tag', name => {
  expect(coverage[name].taggable.length).toBeGreaterThan(0);
  expect(coverage[name].findings).toEqual([]);
});

test('the taggable resources include the ones Tags.of() alone misses: the kubectl barrier parameter', () => {
  expect(coverage.MlopsGpuCluster.taggable).toContainEqual(expect.stringMatching(/^GpuClusterKubectlReadyBarrier[0-9A-F]{8} \(AWS::SSM::Parameter\)$/));
});

test('the coverage check finds an untagged resource, and does not count one that cannot be tagged', () => {
  const bare = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'mlops-cost-tags-')) });
  const stack = new Stack(bare, 'Bare');
  new CfnResource(stack, 'Param', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x', Tags: { team: 'fraud' } } });
  new CfnResource(stack, 'Handle', { type: 'AWS::CloudFormation::WaitConditionHandle' });
  // A budget's tags are in ResourceTags: a stray Tags property with every key does not hide the missing ones.
  new CfnResource(stack, 'Budget', {
    type: 'AWS::Budgets::Budget',
    properties: { Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY' }, Tags: REQUIRED.map(Key => ({ Key, Value: 'x' })), ResourceTags: [{ Key: 'team', Value: 'fraud' }] },
  });
  const asm = bare.synth();
  const result = tagCoverage(path.join(asm.directory, asm.getStackByName('Bare').templateFile), REQUIRED);
  expect(result).toEqual({
    taggable: ['Param (AWS::SSM::Parameter)', 'Budget (AWS::Budgets::Budget)'],
    findings: [
      { resource: 'Param (AWS::SSM::Parameter)', missing: ['project', 'cost-center', 'environment'] },
      { resource: 'Budget (AWS::Budgets::Budget)', missing: ['project', 'cost-center', 'environment'] },
    ],
  });
});
