import { Template } from 'aws-cdk-lib/assertions';
import { CostAttribution, normalizedTemplate } from '../../constructs';
import { RegistryStack } from '../../examples/platform/registry-stack';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

// One synth of the example, shared by the checks below; attribution as the platform applies it.
let stack: RegistryStack;
const result = synthWithNag(app => {
  CostAttribution.apply(app, {
    tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' },
  });
  stack = new RegistryStack(app, 'MlopsRegistry');
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

// A changed logical ID makes CloudFormation create a new resource and delete (or orphan) the old one: a bucket
// full of artifacts, a key that decrypts them. Any refactor that changes one of these must fail here.
const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::ECR::Repository',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::MlflowTrackingServer',
];
const PINNED_LOGICAL_IDS = {
  RegistryKey1053ED4C: 'AWS::KMS::Key',
  RegistryAccessLogs7B323143: 'AWS::S3::Bucket',
  RegistryArtifacts7C2929DE: 'AWS::S3::Bucket',
  RegistryTrackingACC8E394: 'AWS::SageMaker::MlflowTrackingServer',
  RegistryfraudscoringImages39604C16: 'AWS::ECR::Repository',
  RegistryfraudscoringPackageGroup551F3AD6: 'AWS::SageMaker::ModelPackageGroup',
  RegistrychurnforecastImagesF47C9166: 'AWS::ECR::Repository',
  RegistrychurnforecastPackageGroup2A7A69C1: 'AWS::SageMaker::ModelPackageGroup',
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

test('template matches the reviewed snapshot', () => {
  expect(normalizedTemplate(stack)).toMatchSnapshot();
});
