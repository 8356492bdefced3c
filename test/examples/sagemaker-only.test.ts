import { Template } from 'aws-cdk-lib/assertions';
import { normalizedTemplate, type MlopsPlatform } from '../../constructs';
import { buildSageMakerOnlyPlatform } from '../../examples/sagemaker-only/platform';
import { statefulResources, testLogicalIdPins } from '../harness/logical-id-pins';
import { acknowledgements, cfnLint, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

// The SageMaker-only example: no cluster, so no Kubernetes manifest to check against schemas or to place; the
// templates go through cdk-nag, cfn-lint, a reviewed snapshot and logical-ID pins. One synth, shared.
let platform: MlopsPlatform | undefined;
const result = synthWithNag(app => {
  platform = buildSageMakerOnlyPlatform(app);
});
const stacks = platform!.stacks;

test('cdk-nag AWS Solutions checks: no unacknowledged finding', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint: no error in any template', () => {
  const templates = templatePaths(result.assembly!);
  expect(templates.length).toBe(stacks.length);
  expect(cfnLint(templates).errors).toEqual([]);
});

test('every cdk-nag acknowledgement carries a specific reason', () => {
  const acks = stacks.flatMap(s => acknowledgements(s));
  expect(acks.length).toBeGreaterThan(0);
  const vague = acks.filter(a => a.reason.trim().length < 40 || /^(n\/?a|ok|todo|fine|needed|required|false positive|suppressed?)\.?$/i.test(a.reason.trim()));
  expect(vague).toEqual([]);
});

test('the stacks of a platform without Kubernetes: no EKS resource anywhere', () => {
  expect(stacks.map(s => s.stackName)).toEqual(['MlopsSharedServices', 'MlopsRegistry', 'MlopsNetwork', 'MlopsServing', 'MlopsTraining']);
  const types = stacks.flatMap(s => Object.values(Template.fromStack(s).toJSON().Resources as Record<string, { Type: string }>).map(r => r.Type));
  expect(types.filter(t => /EKS/.test(t))).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s template matches the reviewed snapshot', (_name, stack) => {
  expect(normalizedTemplate(stack)).toMatchSnapshot();
});

// Logical IDs are public API: a changed one makes CloudFormation replace the resource (a bucket of artifacts, the
// key that decrypts them, the endpoint clients call). A refactor that changes one must fail here first.
const STATEFUL_TYPES = [
  'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::ECR::Repository', 'AWS::SageMaker::ModelPackageGroup', 'AWS::Logs::LogGroup',
  'AWS::SageMaker::Endpoint', 'AWS::SageMaker::Pipeline',
];
const PINNED_LOGICAL_IDS: Record<string, Record<string, string>> = {
  MlopsSharedServices: {
    CostGuardrailsKey4B290A7C: 'AWS::KMS::Key',
    CostAllocationTagsLogs9BDC90F2: 'AWS::Logs::LogGroup',
    CostAllocationTagsProviderLogs95498450: 'AWS::Logs::LogGroup',
  },
  MlopsRegistry: {
    RegistryKey1053ED4C: 'AWS::KMS::Key',
    RegistryAccessLogs7B323143: 'AWS::S3::Bucket',
    RegistryArtifacts7C2929DE: 'AWS::S3::Bucket',
    RegistryfraudscoringImages39604C16: 'AWS::ECR::Repository',
    RegistryfraudscoringPackageGroup551F3AD6: 'AWS::SageMaker::ModelPackageGroup',
  },
  MlopsNetwork: {
    FlowLogsKey895A70D5: 'AWS::KMS::Key',
    FlowLogs16C1943A: 'AWS::Logs::LogGroup',
  },
  MlopsServing: {
    FraudScoringEndpoint18CBB6BF: 'AWS::SageMaker::Endpoint',
    FraudScoringDataQualityMonitorViolations2C72933F: 'AWS::Logs::LogGroup',
  },
  MlopsTraining: {
    FraudScoringTraining96DBB6A0: 'AWS::SageMaker::Pipeline',
  },
};

testLogicalIdPins(stacks, { types: STATEFUL_TYPES, stacks: PINNED_LOGICAL_IDS });
const stateful = (stackName: string) => statefulResources(stacks, stackName, STATEFUL_TYPES);

test.each(Object.keys(PINNED_LOGICAL_IDS))('%s: every stateful resource but the endpoint and the pipeline is retained', stackName => {
  const kept = Object.entries(stateful(stackName)).filter(([, r]) => !['AWS::SageMaker::Endpoint', 'AWS::SageMaker::Pipeline'].includes(r.Type));
  expect(kept.filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain').map(([id]) => id)).toEqual([]);
});

test('two teams, each with its own budget; the model\'s pipeline and endpoint are billed to its team', () => {
  const tagsOf = (r: any) => Object.fromEntries((r.Properties?.Tags ?? r.Properties?.ResourceTags ?? []).map((t: any) => [t.Key, t.Value]));
  const of = (stackName: string, type: string) =>
    Object.values(Template.fromStack(stacks.find(s => s.stackName === stackName)!).findResources(type)).map(tagsOf);
  expect(of('MlopsSharedServices', 'AWS::Budgets::Budget').map(t => t.team)).toEqual(['fraud', 'recsys', 'ml-platform']);
  expect(of('MlopsTraining', 'AWS::SageMaker::Pipeline').map(t => [t.team, t.model])).toEqual([['fraud', 'fraud-scoring']]);
  expect(of('MlopsServing', 'AWS::SageMaker::Endpoint').map(t => [t.team, t.model])).toEqual([['fraud', 'fraud-scoring']]);
});
