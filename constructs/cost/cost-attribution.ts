import { AspectPriority, Aspects, CfnResource, Stack, Stage, TagManager, Tags, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { PlainResourceTagging } from './private/plain-resource-tags';
import { TagSchema, type CostTags } from '../../src/tags/tag-schema';
import { validationError } from '../private/errors';

/**
 * Properties of {@link CostAttribution.apply}.
 */
export interface CostAttributionProps {
  /**
   * Tag values to apply to every taggable resource below the scope. Keys must belong to the schema. Values
   * given at a narrower scope override those of a wider one, so a platform stack can carry the platform
   * team's tags while a team's node pool inside it carries that team's.
   */
  readonly tags: CostTags;

  /**
   * The tag schema. Only the widest scope needs to give it; narrower scopes inherit it.
   *
   * @default - the schema of the nearest enclosing scope with cost attribution, or `TagSchema.DEFAULT`
   */
  readonly schema?: TagSchema;
}

interface Applied {
  readonly schema: TagSchema;
  readonly tags: CostTags;
  /** Whether a missing-tag check covers this scope (registered here or at an enclosing scope). */
  readonly checked: boolean;
}

/** Scopes cost attribution was applied to, with what was applied there. */
const applied = new WeakMap<IConstruct, Applied>();

/**
 * Cost-attribution tags for every billed resource below a scope, enforced at synth time.
 *
 * One call tags every taggable resource below an app, stage, stack or construct, and registers a check that
 * fails synthesis, listing each resource path and its missing keys, when any taggable resource below the
 * widest such scope lacks a required key. Taggable resources that aws-cdk-lib adds as plain `CfnResource`s, which
 * `Tags.of()` alone does not reach (the kubectl barrier parameter of an EKS cluster), are tagged and checked too. Constructs of this library read the effective values with
 * {@link CostAttribution.tagsOf} to tag what CloudFormation does not reach (Karpenter-launched instances,
 * Kubernetes objects).
 *
 * @example
 * CostAttribution.apply(app, {
 *   tags: { project: 'recsys', 'cost-center': 'cc-1234', environment: 'prod', team: 'platform' },
 * });
 * // A team's resources inside the platform stack are billed to that team:
 * CostAttribution.apply(fraudPool, { tags: { team: 'fraud' } });
 */
export class CostAttribution {
  /**
   * Apply cost-attribution tags below `scope`.
   *
   * @throws MlopsStackError when a key is not in the schema, a value breaks AWS tag rules or cannot be a
   *   Kubernetes label value, or the schema differs from the one applied at an enclosing scope.
   */
  public static apply(scope: IConstruct, props: CostAttributionProps): void {
    CostAttribution.applyTags(scope, props, true);
  }

  /**
   * Tag a model's resources with the schema's model key (if the schema has one). Adds no check of its own:
   * required keys are enforced by `apply` at an enclosing scope.
   */
  public static tagModel(scope: IConstruct, modelName: string): void {
    const key = CostAttribution.schemaOf(scope).modelKey;
    if (key) {
      CostAttribution.applyTags(scope, { tags: { [key]: modelName } }, false);
    }
  }

  /**
   * Tag a pipeline's resources with the schema's pipeline key (if the schema has one). Adds no check of its
   * own, like {@link tagModel}.
   */
  public static tagPipeline(scope: IConstruct, pipelineName: string): void {
    const key = CostAttribution.schemaOf(scope).pipelineKey;
    if (key) {
      CostAttribution.applyTags(scope, { tags: { [key]: pipelineName } }, false);
    }
  }

  /**
   * The effective tag values at `scope`: values applied at every enclosing scope, narrower ones winning.
   */
  public static tagsOf(scope: IConstruct): CostTags {
    const merged: Record<string, string> = {};
    for (const s of scope.node.scopes) {
      Object.assign(merged, applied.get(s)?.tags);
    }
    return merged;
  }

  /**
   * The tag schema in force at `scope`.
   *
   * @default TagSchema.DEFAULT when no cost attribution was applied above `scope`
   */
  public static schemaOf(scope: IConstruct): TagSchema {
    return CostAttribution.nearest(scope)?.applied.schema ?? TagSchema.DEFAULT;
  }

  /**
   * Kubernetes labels for the effective tags at `scope` (see `TagSchema.toLabels`).
   */
  public static labelsOf(scope: IConstruct): Record<string, string> {
    return CostAttribution.schemaOf(scope).toLabels(CostAttribution.tagsOf(scope), scope.node.path);
  }

  private static applyTags(scope: IConstruct, props: CostAttributionProps, check: boolean): void {
    // Tags and aspects act only on aws-cdk-lib resources: on a cdk8s chart or pool they would do nothing, silently.
    if (!scope.node.scopes.some(s => Stage.isStage(s) || Stack.isStack(s))) {
      throw validationError(scope, 'CostAttribution applies to aws-cdk-lib constructs (an App, Stage, Stack or what is in them), and ' +
        'this scope is not in an aws-cdk-lib app (a cdk8s chart?). cdk8s charts get their cost labels from their props: pass ' +
        '`costTags` to GpuNodePool, CpuNodePool and GpuTeam, e.g. CostAttribution.tagsOf(stack) with the team key set by TagSchema.forTeam');
    }
    const inherited = CostAttribution.nearest(scope);
    if (props.schema && inherited && inherited.applied.schema !== props.schema) {
      throw validationError(scope, `schema differs from the tag schema applied at "${inherited.scope.node.path || '<app>'}"; ` +
        'one construct tree uses one schema: pass the schema only at the widest scope');
    }
    const schema = props.schema ?? inherited?.applied.schema ?? TagSchema.DEFAULT;
    const resolved = Object.fromEntries(Object.entries(props.tags).filter(([, v]) => !Token.isUnresolved(v)));
    const problems = schema.problems(resolved);
    if (problems.length > 0) {
      throw validationError(scope, `CostAttribution tags are invalid:\n  - ${problems.map(p => p.message).join('\n  - ')}`);
    }

    const previous = applied.get(scope);
    if (!previous && !inherited) {
      // Before the tag aspects (a lower priority value runs first), so they tag these resources too.
      Aspects.of(scope).add(new PlainResourceTagging(), { priority: AspectPriority.MUTATING - 1 });
    }
    applied.set(scope, { schema, tags: { ...previous?.tags, ...props.tags }, checked: check || (inherited?.applied.checked ?? false) });
    for (const [key, value] of Object.entries(props.tags)) {
      Tags.of(scope).add(key, value);
    }
    // The widest scope checks everything below it; narrower scopes are inside that check already.
    if (check && !previous?.checked && !inherited?.applied.checked) {
      scope.node.addValidation({ validate: () => missingTagErrors(scope, schema) });
    }
  }

  private static nearest(scope: IConstruct): { scope: IConstruct; applied: Applied } | undefined {
    const scopes = scope.node.scopes;
    for (let i = scopes.length - 1; i >= 0; i--) {
      const a = applied.get(scopes[i]);
      if (a) {
        return { scope: scopes[i], applied: a };
      }
    }
    return undefined;
  }

  private constructor() {}
}

/**
 * One message listing every taggable resource below `scope` that lacks a required key. Runs during synthesis,
 * after tag aspects have run, so it sees the tags CloudFormation will receive.
 */
function missingTagErrors(scope: IConstruct, schema: TagSchema): string[] {
  // Attribution applied at a wider scope after this one was: the wider scope's check covers this one.
  if (scope.node.scopes.slice(0, -1).some(s => applied.get(s)?.checked)) {
    return [];
  }
  const lines: string[] = [];
  for (const c of scope.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) {
      continue;
    }
    const tags = renderedTags(c);
    if (!tags) {
      continue;
    }
    const missing = schema.requiredKeys.filter(k => !tags[k]);
    if (missing.length > 0) {
      lines.push(`${c.node.path} (${c.cfnResourceType}): missing ${missing.join(', ')}`);
    }
  }
  if (lines.length === 0) {
    return [];
  }
  return [
    `${lines.length} taggable resource(s) lack required cost-attribution tags (required: ${schema.requiredKeys.join(', ')}):\n` +
    `  - ${lines.join('\n  - ')}\n` +
    'Give the missing keys with CostAttribution.apply(scope, { tags }) on a scope that contains these resources.',
  ];
}

function renderedTags(resource: CfnResource): Record<string, string> | undefined {
  if (TagManager.isTaggable(resource)) {
    return resource.tags.tagValues();
  }
  if (TagManager.isTaggableV2(resource)) {
    return resource.cdkTagManager.tagValues();
  }
  return undefined;
}
