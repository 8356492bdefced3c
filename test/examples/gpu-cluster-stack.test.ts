import { Template } from 'aws-cdk-lib/assertions';
import { CostAttribution } from '../../constructs';
import { GpuClusterStack } from '../../examples/platform/gpu-cluster-stack';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

// One synth of the example, shared by the checks below; attribution as the platform applies it.
let stack: GpuClusterStack;
const result = synthWithNag(app => {
  CostAttribution.apply(app, {
    tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' },
  });
  stack = new GpuClusterStack(app, 'MlopsGpuCluster');
  CostAttribution.apply(stack, { tags: { team: 'ml-platform' } });
});

test('cdk-nag AWS Solutions checks: no unacknowledged finding', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint: no error in the template', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});

test('every cdk-nag acknowledgement carries a specific reason', () => {
  const reasons: string[] = [];
  for (const c of stack.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === 'aws:cdk:acknowledged-rules') {
        reasons.push(...Object.values(entry.data as Record<string, string>));
      }
    }
  }
  expect(reasons.length).toBeGreaterThan(0);
  for (const reason of reasons) {
    expect(reason.length).toBeGreaterThan(60);
  }
});

// A changed logical ID replaces the resource: a new cluster (and every workload on it), a key that no longer
// decrypts the old secrets, logs orphaned. Any refactor that changes one of these must fail here.
const STATEFUL_TYPES = ['AWS::EKS::Cluster', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'];
const PINNED_LOGICAL_IDS = {
  GpuCluster8492CF08: 'AWS::EKS::Cluster',
  GpuClusterSecretsKeyE5E87994: 'AWS::KMS::Key',
  GpuClusterLogsKey8E34C527: 'AWS::KMS::Key',
  GpuClusterControlPlaneLogs35E66122: 'AWS::Logs::LogGroup',
  GpuClusterFlowLogsKey1F15DC18: 'AWS::KMS::Key',
  GpuClusterFlowLogs760C1E17: 'AWS::Logs::LogGroup',
  GpuClusterInterruptionQueueKey9F1FB02A: 'AWS::KMS::Key',
};

function statefulResources(): Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => STATEFUL_TYPES.includes(r.Type)));
}

test('stateful resources keep their logical IDs', () => {
  const ids = Object.fromEntries(Object.entries(statefulResources()).map(([id, r]) => [id, r.Type]));
  expect(ids).toEqual(PINNED_LOGICAL_IDS);
});

test('every stateful resource is retained on deletion and replacement', () => {
  const policies = Object.values(statefulResources()).map(r => [r.DeletionPolicy, r.UpdateReplacePolicy]);
  expect(policies).toEqual(Object.keys(PINNED_LOGICAL_IDS).map(() => ['Retain', 'Retain']));
});

test('the cluster name handed to charts is the name CloudFormation gives the cluster', () => {
  Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', { Name: stack.gpuCluster.clusterName });
});
