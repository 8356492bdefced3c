import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { type Manifest, normalizedTemplate, Placement, TEAM_NAMESPACE_LABEL } from '../../constructs';
import { buildExamplePlatform } from '../../examples/platform/platform';
import { CRD_SCHEMA_DIR, ManifestValidator, kubernetesSchemaDir } from '../constructs/k8s/manifest-validator';
import { statefulResources, testLogicalIdPins } from '../harness/logical-id-pins';
import { acknowledgements, cfnLint, checkov, describeViolations, synthWithNag, templatePaths } from '../harness/validators';

// One synth of the whole example, shared by the checks below.
let platform: ReturnType<typeof buildExamplePlatform> | undefined;
const result = synthWithNag(app => {
  platform = buildExamplePlatform(app);
});
const stacks = platform!.stacks;

test('cdk-nag AWS Solutions checks: no unacknowledged finding', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint: no error in any template', () => {
  const templates = templatePaths(result.assembly!);
  expect(templates.length).toBe(stacks.length);
  const lint = cfnLint(templates);
  expect(lint.errors).toEqual([]);
});

/**
 * checkov's failed checks on the example that are accepted, each with its reason. A new failure fails the test;
 * so does a check that no longer fails (remove it here).
 */
const CHECKOV_ACCEPTED: Record<string, string> = {
  'CKV_AWS_158 AWS::Logs::LogGroup.FraudScoringDataQualityMonitorViolations2C72933F': 'Holds SageMaker\'s job state-change events only ' +
    '(job names, ARNs, exit messages), never captured data; CloudWatch Logs encrypts it at rest with its own keys.',
  'CKV_AWS_116 AWS::Lambda::Function.GpuClusterKubectlProviderHandler5DF9DD3E': 'aws-cdk-lib\'s kubectl handler is invoked synchronously ' +
    'by the custom-resource framework, which reports failures to CloudFormation; a dead-letter queue only receives asynchronous events.',
  'CKV_AWS_116 AWS::Lambda::Function.GpuClusterKubectlProviderframeworkonEvent62EF7831': 'The custom-resource framework function is invoked ' +
    'synchronously by CloudFormation, which gets its failures; a dead-letter queue only receives asynchronous events.',
  'CKV_AWS_116 AWS::Lambda::Function.AWS679f53fac002430cb0da5b7982bd22872D164C4C': 'aws-cdk-lib\'s AwsCustomResource function (the ' +
    'discovery tag on the cluster security group) answers CloudFormation directly; a dead-letter queue only receives asynchronous events.',
  'CKV_AWS_115 AWS::Lambda::Function.GpuClusterKubectlProviderHandler5DF9DD3E': 'Runs only during deployments, one invocation per manifest ' +
    'change; reserving concurrency would take it from the account pool without protecting anything.',
  'CKV_AWS_115 AWS::Lambda::Function.GpuClusterKubectlProviderframeworkonEvent62EF7831': 'Runs only during deployments, one invocation per ' +
    'custom resource change; reserving concurrency would take it from the account pool without protecting anything.',
  'CKV_AWS_115 AWS::Lambda::Function.AWS679f53fac002430cb0da5b7982bd22872D164C4C': 'Runs only during deployments, once per change of the ' +
    'tag it sets; reserving concurrency would take it from the account pool without protecting anything.',
  'CKV_AWS_173 AWS::Lambda::Function.GpuClusterKubectlProviderHandler5DF9DD3E': 'Its environment holds the cluster\'s kubectl settings ' +
    '(paths, no secret); Lambda encrypts environment variables at rest with its service key.',
  'CKV_AWS_173 AWS::Lambda::Function.GpuClusterKubectlProviderframeworkonEvent62EF7831': 'Its environment holds the ARN of the handler it ' +
    'calls, no secret; Lambda encrypts environment variables at rest with its service key.',
  'CKV_AWS_117 AWS::Lambda::Function.AWS679f53fac002430cb0da5b7982bd22872D164C4C': 'It calls only the EC2 tagging API, never the cluster or ' +
    'anything in the VPC; attaching it to the VPC would need NAT or endpoints for no gain.',
  'CKV_AWS_18 AWS::S3::Bucket.RegistryAccessLogs7B323143': 'This is the access-log bucket of the artifact bucket; logging it too would need ' +
    'another bucket, and so on without end.',
  'CKV_AWS_21 AWS::S3::Bucket.RegistryAccessLogs7B323143': 'S3 writes each access-log object once and never overwrites it, so versions would ' +
    'only double the storage; the objects are protected by the bucket policy (log delivery only) and Retain.',
  'CKV_AWS_18 AWS::S3::Bucket.FraudPromotionAccessLogs54006C72': 'This is the access-log bucket of the promotion\'s artifact bucket; logging ' +
    'it too would need another bucket, and so on without end.',
  'CKV_AWS_21 AWS::S3::Bucket.FraudPromotionAccessLogs54006C72': 'S3 writes each access-log object once and never overwrites it, so versions ' +
    'would only double the storage; the objects are protected by the bucket policy (log delivery only) and Retain.',
  'CKV_AWS_18 AWS::S3::Bucket.BillingExportAccessLogs6642BBB8': 'This is the access-log bucket of the billing-export bucket; logging it too ' +
    'would need another bucket, and so on without end.',
  'CKV_AWS_21 AWS::S3::Bucket.BillingExportAccessLogs6642BBB8': 'S3 writes each access-log object once and never overwrites it, so versions ' +
    'would only double the storage; the objects are protected by the bucket policy (log delivery only) and Retain.',
  'CKV_AWS_18 AWS::S3::Bucket.CostReportAccessLogs08313432': 'This is the access-log bucket of the cost-report bucket; logging it too would ' +
    'need another bucket, and so on without end.',
  'CKV_AWS_21 AWS::S3::Bucket.CostReportAccessLogs08313432': 'S3 writes each access-log object once and never overwrites it, so versions ' +
    'would only double the storage; the objects are protected by the bucket policy (log delivery only) and Retain.',
  'CKV_AWS_111 AWS::IAM::Policy.FraudPromotionStagingDeploymentRoleDefaultPolicy6F2B904B': 'The unconstrained statements are EC2 Describe* ' +
    '(no resource-level permissions exist) and Application Auto Scaling, whose scalable-target ARNs carry an ID generated when the target is ' +
    'registered; every other action is scoped to the endpoint stack, its roles and the package group.',
  'CKV_AWS_111 AWS::IAM::Policy.FraudPromotionProductionDeploymentRoleDefaultPolicy22D4C2CE': 'The unconstrained statements are EC2 Describe* ' +
    '(no resource-level permissions exist) and Application Auto Scaling, whose scalable-target ARNs carry an ID generated when the target is ' +
    'registered; every other action is scoped to the endpoint stack, its roles and the package group.',
  'CKV_AWS_116 AWS::Lambda::Function.CostReportFunctionBA4AC391': 'Failed asynchronous invocations go to an on-failure destination (the ' +
    'failures queue, which has an alarm on the cost topic); a destination supersedes a dead-letter queue, which checkov does not recognise.',
  'CKV_AWS_115 AWS::Lambda::Function.CostReportFunctionBA4AC391': 'One run a week; the schedule never overlaps runs. Reserving concurrency ' +
    'fails the deploy in accounts whose concurrency limit is still 10 (new accounts) and would protect nothing.',
  'CKV_AWS_117 AWS::Lambda::Function.CostReportFunctionBA4AC391': 'It calls only Cost Explorer, S3 and SNS public endpoints and reaches nothing ' +
    'in a VPC; attaching it to one would need NAT or endpoints (Cost Explorer has no VPC endpoint) for no gain.',
  'CKV_AWS_173 AWS::Lambda::Function.CostReportFunctionBA4AC391': 'Its environment holds the bucket name, topic ARN and report settings, no ' +
    'secret; Lambda encrypts environment variables at rest with its service key.',
  'CKV_AWS_158 AWS::Logs::LogGroup.CostReportLogs2120F8C1': 'The function logs one summary line per run (object keys, request counts), never ' +
    'amounts or report content; CloudWatch Logs encrypts it at rest with its own keys.',
  'CKV_AWS_116 AWS::Lambda::Function.CostAllocationTagsHandler90765031': 'The tag-activation handler is invoked synchronously by the ' +
    'custom-resource framework, which reports failures to CloudFormation; a dead-letter queue only receives asynchronous events.',
  'CKV_AWS_116 AWS::Lambda::Function.CostAllocationTagsProviderframeworkonEvent6A73CBC1': 'The custom-resource framework function is invoked ' +
    'synchronously by CloudFormation, which gets its failures; a dead-letter queue only receives asynchronous events.',
  'CKV_AWS_115 AWS::Lambda::Function.CostAllocationTagsHandler90765031': 'Runs only during deployments, once per change of the activated ' +
    'keys; reserving concurrency would take it from the account pool without protecting anything.',
  'CKV_AWS_115 AWS::Lambda::Function.CostAllocationTagsProviderframeworkonEvent6A73CBC1': 'Runs only during deployments, one invocation per ' +
    'custom resource change; reserving concurrency would take it from the account pool without protecting anything.',
  'CKV_AWS_117 AWS::Lambda::Function.CostAllocationTagsHandler90765031': 'It calls only the Cost Explorer tag API and reaches nothing in a ' +
    'VPC; attaching it to one would need NAT (Cost Explorer has no VPC endpoint) for no gain.',
  'CKV_AWS_117 AWS::Lambda::Function.CostAllocationTagsProviderframeworkonEvent6A73CBC1': 'It only invokes the handler function through the ' +
    'Lambda API and answers CloudFormation\'s presigned S3 URL; attaching it to a VPC would need NAT or endpoints for no gain.',
  'CKV_AWS_173 AWS::Lambda::Function.CostAllocationTagsProviderframeworkonEvent6A73CBC1': 'Its environment holds the ARN of the handler it ' +
    'calls, no secret; Lambda encrypts environment variables at rest with its service key.',
  'CKV_AWS_158 AWS::Logs::LogGroup.CostAllocationTagsLogs9BDC90F2': 'The tag-activation handler logs nothing of its own: Lambda\'s ' +
    'start and end lines and any Cost Explorer error (tag key names), nothing billed; CloudWatch Logs encrypts it at rest with its own keys.',
  'CKV_AWS_158 AWS::Logs::LogGroup.CostAllocationTagsProviderLogs95498450': 'Holds the custom-resource framework\'s log of the tag activation ' +
    '(request IDs and status), nothing billed or personal; CloudWatch Logs encrypts it at rest with its own keys.',
};

test('checkov: every failed check is accepted with a written reason, and every accepted one still fails', () => {
  const failed = checkov(templatePaths(result.assembly!)).map(f => `${f.check} ${f.resource}`);
  expect([...new Set(failed)].sort()).toEqual(Object.keys(CHECKOV_ACCEPTED).sort());
  expect(Object.values(CHECKOV_ACCEPTED).filter(reason => reason.length < 60)).toEqual([]);
});

test('every cdk-nag acknowledgement carries a specific reason', () => {
  const acks = stacks.flatMap(s => acknowledgements(s));
  expect(acks.length).toBeGreaterThan(0);
  // A reason is read by a security reviewer: it says why the finding does not apply here, not that it was seen.
  const vague = acks.filter(a => a.reason.trim().length < 40 || /^(n\/?a|ok|todo|fine|needed|required|false positive|suppressed?)\.?$/i.test(a.reason.trim()));
  expect(vague).toEqual([]);
});

test.each(stacks.map(s => [s.stackName, s] as const))('%s template matches the reviewed snapshot', (_name, stack) => {
  expect(normalizedTemplate(stack)).toMatchSnapshot();
});

// Logical IDs are public API: a changed one makes CloudFormation create a new resource and delete (or orphan)
// the old one: a bucket full of artifacts, the key that decrypts them, a cluster with every workload on it.
// Any refactor that changes one of these must fail here, in the open, before a deploy does it silently.
const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::ECR::Repository',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::MlflowTrackingServer',
  'AWS::EKS::Cluster',
  'AWS::Logs::LogGroup',
];
const PINNED_LOGICAL_IDS: Record<string, Record<string, string>> = {
  MlopsPlatform: {
    CostGuardrailsKey4B290A7C: 'AWS::KMS::Key',
    BillingExportKeyEEE72C02: 'AWS::KMS::Key',
    BillingExportBucket70C6883B: 'AWS::S3::Bucket',
    BillingExportAccessLogs6642BBB8: 'AWS::S3::Bucket',
    CostAllocationTagsLogs9BDC90F2: 'AWS::Logs::LogGroup',
    CostAllocationTagsProviderLogs95498450: 'AWS::Logs::LogGroup',
    CostReportKey943AF4C9: 'AWS::KMS::Key',
    CostReportReportsB7FBA094: 'AWS::S3::Bucket',
    CostReportAccessLogs08313432: 'AWS::S3::Bucket',
    CostReportLogs2120F8C1: 'AWS::Logs::LogGroup',
  },
  MlopsRegistry: {
    RegistryKey1053ED4C: 'AWS::KMS::Key',
    RegistryAccessLogs7B323143: 'AWS::S3::Bucket',
    RegistryArtifacts7C2929DE: 'AWS::S3::Bucket',
    RegistryTrackingACC8E394: 'AWS::SageMaker::MlflowTrackingServer',
    RegistryfraudscoringImages39604C16: 'AWS::ECR::Repository',
    RegistryfraudscoringPackageGroup551F3AD6: 'AWS::SageMaker::ModelPackageGroup',
    RegistrychurnforecastImagesF47C9166: 'AWS::ECR::Repository',
    RegistrychurnforecastPackageGroup2A7A69C1: 'AWS::SageMaker::ModelPackageGroup',
  },
  MlopsGpuCluster: {
    GpuCluster8492CF08: 'AWS::EKS::Cluster',
    GpuClusterSecretsKeyE5E87994: 'AWS::KMS::Key',
    GpuClusterLogsKey8E34C527: 'AWS::KMS::Key',
    GpuClusterControlPlaneLogs35E66122: 'AWS::Logs::LogGroup',
    GpuClusterFlowLogsKey1F15DC18: 'AWS::KMS::Key',
    GpuClusterFlowLogs760C1E17: 'AWS::Logs::LogGroup',
    GpuClusterInterruptionQueueKey9F1FB02A: 'AWS::KMS::Key',
  },
  MlopsServing: {
    FraudScoringDataQualityMonitorViolations2C72933F: 'AWS::Logs::LogGroup',
  },
  MlopsTraining: {
    FraudPromotionKey5B0E842E: 'AWS::KMS::Key',
    FraudPromotionArtifactsA2E307CB: 'AWS::S3::Bucket',
    FraudPromotionAccessLogs54006C72: 'AWS::S3::Bucket',
  },
  // The endpoint stacks hold no stateful resource of these types; their endpoints are pinned below.
  FraudScoringStaging: {},
  FraudScoringProduction: {},
};

testLogicalIdPins(stacks, { types: STATEFUL_TYPES, stacks: PINNED_LOGICAL_IDS });
const stateful = (stackName: string) => statefulResources(stacks, stackName, STATEFUL_TYPES);

test.each(Object.keys(PINNED_LOGICAL_IDS))('%s: every stateful resource is retained on deletion and replacement', stackName => {
  const policies = Object.fromEntries(Object.entries(stateful(stackName)).map(([id, r]) => [id, [r.DeletionPolicy, r.UpdateReplacePolicy]]));
  expect(policies).toEqual(Object.fromEntries(Object.keys(PINNED_LOGICAL_IDS[stackName]).map(id => [id, ['Retain', 'Retain']])));
});

test('the cluster name handed to the charts is the name CloudFormation gives the cluster', () => {
  Template.fromStack(platform!.gpuClusterStack!).hasResourceProperties('AWS::EKS::Cluster', { Name: platform!.gpuCluster!.clusterName });
});

describe('GPU cluster charts', () => {
  const manifests = () => {
    const gpu = stacks.find(s => s.stackName === 'MlopsGpuCluster')!;
    return Template.fromStack(gpu).findResources('Custom::AWSCDK-EKS-KubernetesResource') as Record<string, { DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  };

  test('team namespaces are applied in a retained manifest of their own, with a pinned logical ID', () => {
    const namespaces = manifests().GpuClusterGpuTeamsNamespaces308A9B18;
    expect([namespaces?.DeletionPolicy, namespaces?.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  test('CloudFormation applies the namespaces, then the team objects, then the queues in them', () => {
    const all = manifests();
    expect(all.GpuClusterGpuTeams1E9EAF2E.DependsOn).toContain('GpuClusterGpuTeamsNamespaces308A9B18');
    expect(all.GpuClusterGpuQueuesDCBC4815.DependsOn).toContain('GpuClusterGpuTeams1E9EAF2E');
  });

  // What the cluster stack applies, and the teams' example workloads built against it in the platform's cdk8s app.
  const applied = () => Object.entries(manifests()).filter(([id]) => /^GpuClusterGpu(NodePools|TeamsNamespaces|Teams|Queues)[0-9A-F]{8}$/.test(id))
    .flatMap(([, r]) => JSON.parse((r as any).Properties.Manifest) as Manifest[]);
  const workloads = () => Testing.synth(platform!.k8sApp!.charts.find(c => c.node.id === 'TeamWorkloads')!);

  test('the objects applied are those of the platform\'s charts (the cluster adds only its prune label)', () => {
    const key = (o: Manifest) => JSON.stringify([o.kind, o.metadata.namespace, o.metadata.name, o.spec ?? null]);
    expect(applied().map(key).sort()).toEqual(platform!.charts!.all.flatMap(c => Testing.synth(c)).map(key).sort());
  });

  test('every object applied, and every example workload, is valid against the Kubernetes and CRD schemas', () => {
    const validator = new ManifestValidator(CRD_SCHEMA_DIR, kubernetesSchemaDir());
    expect(validator.validateAll([...applied(), ...workloads()])).toEqual([]);
  });

  test.each([
    ['Job', 'fraud-training', ['fraud-training', 'shared-training'], ['fraud', 'ml-platform']],
    ['Job', 'recsys-training', ['recsys-training-spot', 'recsys-training-on-demand'], ['recsys', 'recsys']],
    ['Job', 'fraud-pretrain', ['fraud-training'], ['fraud']],
    ['InferenceService', 'recsys-ranker', ['serving'], ['ml-platform']],
  ])('placement on the applied pools and queues: %s %s runs only on %j, billed to %j', (kind, name, pools, payers) => {
    const objects = applied();
    const billedTo = (pool: string) => objects.find(o => o.kind === 'NodePool' && o.metadata.name === pool)!.spec.template.metadata.labels['mlops-stack.io/team'];
    const workload = workloads().find(o => o.kind === kind && o.metadata.name === name)!;
    const placement = Placement.ofWorkload(workload, objects, { unqueuedJobsHeldIn: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } });
    expect([placement.runnable, placement.nodePools, placement.nodePools.map(billedTo)]).toEqual([true, pools, payers]);
  });
});

describe('serving', () => {
  const serving = () => Template.fromStack(stacks.find(s => s.stackName === 'MlopsServing')!);
  const tagsOf = (r: any): Record<string, string> => Object.fromEntries((r.Properties?.Tags ?? []).map((t: any) => [t.Key, t.Value]));

  test('the endpoint keeps its logical ID: a new one would be a new endpoint, and clients call it by name', () => {
    expect(Object.keys(serving().findResources('AWS::SageMaker::Endpoint'))).toEqual(['FraudScoringEndpoint18CBB6BF']);
  });

  test('the endpoint, its model and configuration and its monitor are billed to fraud, the team that owns the model', () => {
    const billed = ['AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Model', 'AWS::SageMaker::MonitoringSchedule']
      .map(type => [type, Object.values(serving().findResources(type)).map(r => [tagsOf(r).team, tagsOf(r).model])]);
    expect(billed).toEqual([
      ['AWS::SageMaker::Endpoint', [['fraud', 'fraud-scoring']]],
      ['AWS::SageMaker::EndpointConfig', [['fraud', 'fraud-scoring']]],
      ['AWS::SageMaker::Model', [['fraud', 'fraud-scoring']]],
      ['AWS::SageMaker::MonitoringSchedule', [['fraud', 'fraud-scoring']]],
    ]);
  });

  test('a canary rollout that rolls back on the endpoint\'s alarms, autoscaling from two instances, 20 % captured', () => {
    const template = serving();
    const [endpoint] = Object.values(template.findResources('AWS::SageMaker::Endpoint')) as any[];
    const policy = endpoint.Properties.DeploymentConfig;
    expect(policy.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toMatchObject({ Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 }, WaitIntervalInSeconds: 600 });
    expect(policy.AutoRollbackConfiguration.Alarms.length).toBeGreaterThanOrEqual(2);
    expect(endpoint.Properties.RetainAllVariantProperties).toBe(true);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { DataCaptureConfig: { InitialSamplingPercentage: 20 } });
  });
});

describe('training and promotion', () => {
  const template = (name: string) => Template.fromStack(stacks.find(s => s.stackName === name)!);

  test('the pipelines keep their logical IDs: their execution history and approvals belong to them', () => {
    const training = template('MlopsTraining');
    expect(Object.keys(training.findResources('AWS::SageMaker::Pipeline'))).toEqual(['FraudTraining9EB2B06C']);
    expect(Object.keys(training.findResources('AWS::CodePipeline::Pipeline'))).toEqual(['FraudPromotionPipeline5DBE093C']);
  });

  test.each(['FraudScoringStaging', 'FraudScoringProduction'])('%s: the endpoint the promotion deploys keeps its logical ID', name => {
    expect(Object.keys(template(name).findResources('AWS::SageMaker::Endpoint'))).toEqual(['FraudScoringEndpoint18CBB6BF']);
  });
});
