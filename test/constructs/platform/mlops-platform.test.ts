import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Testing } from 'cdk8s';
import { allResources, fraudModel, full, platformOf, tagOf } from './fixtures';
import { MlopsPlatform, Placement, TEAM_NAMESPACE_LABEL, type Manifest } from '../../../constructs';
import { describeViolations, synthWithNag } from '../../harness/validators';

// One full platform (GPU cluster, two teams each with its own pool, the fraud team's model with a pipeline, an
// endpoint, a promotion and cluster training), shared by the checks below.
const { app, platform } = platformOf(full({
  models: [fraudModel({
    clusterTraining: {},
    promotion: { staging: {}, production: {}, smokeTest: { payload: '{"instances": [[0.1, 3]]}' } },
  })],
}));
const resources = allResources(platform);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const teamsOf = (type: string) => Object.fromEntries(ofType(type).map(([id, r]) => [id, tagOf(r, 'team')]));

/** The Kubernetes objects of one chart as the cluster stack applies them (the manifest's JSON). */
function applied(chartId: string): Manifest[] {
  const template = Template.fromStack(platform.gpuClusterStack!).toJSON();
  const [, manifest] = Object.entries(template.Resources as Record<string, any>)
    .find(([id, r]) => r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && new RegExp(`^GpuClusterGpu${chartId}[0-9A-F]{8}$`).test(id))!;
  return JSON.parse(manifest.Properties.Manifest);
}

describe('two teams, each billed for its own GPU pool', () => {
  const objects = [...applied('NodePools'), ...applied('TeamsNamespaces'), ...applied('Teams'), ...applied('Queues')];
  const named = (kind: string, name: string) => objects.find(o => o.kind === kind && o.metadata.name === name)!;

  test.each([['fraud-training', 'fraud'], ['recsys-training', 'recsys']])(
    'pool %s: its EC2NodeClass tags (on every instance and volume Karpenter launches) and its nodes\' labels carry team %s', (pool, team) => {
      expect(named('EC2NodeClass', pool).spec.tags).toEqual({ 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod', team });
      expect(named('NodePool', pool).spec.template.metadata.labels['mlops-stack.io/team']).toBe(team);
    });

  test('each team has a namespace, a GPU quota of its own pool\'s size and a queue, labelled with the team', () => {
    expect(objects.filter(o => o.kind === 'ResourceQuota').map(q => [q.metadata.namespace, q.spec.hard['requests.nvidia.com/gpu']]))
      .toEqual([['fraud', 16], ['recsys', 32]]);
    expect(objects.filter(o => o.kind === 'Namespace').map(n => [n.metadata.name, n.metadata.labels['mlops-stack.io/team']]))
      .toEqual([['fraud', 'fraud'], ['recsys', 'recsys']]);
    expect(objects.filter(o => o.kind === 'LocalQueue').map(q => [q.metadata.namespace, q.metadata.labels['mlops-stack.io/team']]))
      .toEqual([['fraud', 'fraud'], ['recsys', 'recsys']]);
  });

  test('what the cluster stack applies is what the platform\'s charts hold', () => {
    // The cluster adds its prune label; what each object is and says is the chart's.
    const key = (o: Manifest) => JSON.stringify([o.kind, o.metadata.namespace, o.metadata.name, o.spec ?? o.value ?? null]);
    const charts = platform.charts!.all.flatMap(c => Testing.synth(c));
    expect(objects.map(key).sort()).toEqual(charts.map(key).sort());
  });
});

describe('placement: a team\'s GPU work lands only on its own pool', () => {
  const manifests = platform.charts!.all.flatMap(c => Testing.synth(c));
  const billedTo = (nodePool: string) => manifests.find(m => m.kind === 'NodePool' && m.metadata.name === nodePool)!.spec.template.metadata.labels['mlops-stack.io/team'];
  // As GpuCluster configures Kueue: Jobs in team namespaces without a queue label are held.
  const KUEUE = { unqueuedJobsHeldIn: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } };
  const gpuJob = (namespace: string, labels: Record<string, string>, tolerations: object[] = [{ key: 'nvidia.com/gpu', operator: 'Exists' }]): Manifest => ({
    kind: 'Job',
    metadata: { name: 'probe', namespace, labels },
    spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 1 } } }], tolerations } } },
  });

  test.each([['fraud', 'fraud-training'], ['recsys', 'recsys-training']])('a GPU job of %s, queued, runs on %s only, billed to the team', (team, pool) => {
    const placement = Placement.ofWorkload(gpuJob(team, { 'kueue.x-k8s.io/queue-name': team }), manifests, KUEUE);
    expect([placement.runnable, placement.nodePools]).toEqual([true, [pool]]);
    expect(placement.nodePools.map(billedTo)).toEqual([team]);
  });

  test('a fraud job naming recsys\'s queue is not admitted: the queue is not in fraud\'s namespace', () => {
    expect(Placement.ofWorkload(gpuJob('fraud', { 'kueue.x-k8s.io/queue-name': 'recsys' }), manifests, KUEUE))
      .toMatchObject({ runnable: false, reason: expect.stringMatching(/no LocalQueue "recsys" in namespace "fraud"/) });
  });

  test('a fraud job that skips Kueue and tolerates recsys\'s pool by hand is held', () => {
    const sneaky = gpuJob('fraud', {}, [{ operator: 'Exists' }]);
    expect(Placement.ofWorkload(sneaky, manifests, KUEUE)).toMatchObject({ runnable: false, reason: expect.stringMatching(/held by Kueue/) });
  });

  test('the check can fail: outside Kueue, a pod that tolerates every taint could land on both teams\' pools', () => {
    const pod: Manifest = { kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 1 } } }], tolerations: [{ operator: 'Exists' }] } };
    expect(Placement.ofWorkload(pod, manifests).nodePools.sort()).toEqual(['fraud-training', 'recsys-training']);
  });
});

describe('a model with a pipeline and an endpoint is billed to its team', () => {
  test.each([
    'AWS::SageMaker::Pipeline', 'AWS::SageMaker::Endpoint', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Model',
    'AWS::SageMaker::MonitoringSchedule', 'AWS::SageMaker::ModelPackageGroup', 'AWS::ECR::Repository', 'AWS::CodePipeline::Pipeline',
  ])('every %s is tagged to team fraud and model fraud-scoring', type => {
    const found = ofType(type);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map(([id, r]) => [id, tagOf(r, 'team'), tagOf(r, 'model')])).toEqual(found.map(([id]) => [id, 'fraud', 'fraud-scoring']));
  });

  test('the registry\'s shared bucket and key and the cluster stay with the platform team', () => {
    expect(Object.values(teamsOf('AWS::S3::Bucket')).filter(t => t !== 'ml-platform' && t !== 'fraud')).toEqual([]);
    const registry = Template.fromStack(platform.registryStack!).toJSON().Resources as Record<string, any>;
    expect(tagOf(registry[Stack.of(platform.registry!).getLogicalId(platform.registry!.artifactBucket.node.defaultChild as any)], 'team')).toBe('ml-platform');
    expect(Object.values(teamsOf('AWS::EKS::Cluster'))).toEqual(['ml-platform']);
  });

  test('budgets: one per team with a budget, filtered by its team tag and tagged to it', () => {
    const budgets = Object.values(resources).filter(r => r.Type === 'AWS::Budgets::Budget');
    expect(budgets.map(b => [b.Properties.Budget.CostFilters.TagKeyValue, b.Properties.ResourceTags.find((t: any) => t.Key === 'team').Value]))
      .toEqual([[['user:team$fraud'], 'fraud'], [['user:team$recsys'], 'recsys']]);
  });

  test('the pipeline\'s jobs get the team\'s tags too (they are not CloudFormation resources)', () => {
    const definition = JSON.stringify(Template.fromStack(platform.trainingStack!).toJSON());
    expect(definition).toMatch(/\\"Key\\":\\"team\\",\\"Value\\":\\"fraud\\"/);
  });
});

describe('every part is reachable for customization', () => {
  test('stacks, with the default names <id><Part>, env-agnostic', () => {
    expect(platform.stacks.map(s => s.stackName)).toEqual([
      'MlopsSharedServices', 'MlopsRegistry', 'MlopsGpuCluster', 'MlopsServing', 'MlopsFraudScoringStaging', 'MlopsFraudScoringProduction', 'MlopsTraining',
    ]);
    expect([platform.sharedServicesStack, platform.registryStack, platform.gpuClusterStack, platform.servingStack,
      platform.stageStacks['fraud-scoring'].staging, platform.stageStacks['fraud-scoring'].production, platform.trainingStack]).toEqual(platform.stacks);
    expect(platform.stacks.map(s => Token.isUnresolved(s.account) && Token.isUnresolved(s.region))).toEqual(platform.stacks.map(() => true));
    expect(platform.networkStack).toBeUndefined();
  });

  test('the stacks are created beside the platform, so their paths are their names', () => {
    expect(platform.stacks.map(s => s.node.path)).toEqual(platform.stacks.map(s => s.stackName));
    expect(platform.stacks.map(s => s.node.scope)).toEqual(platform.stacks.map(() => app));
  });

  test('the underlying constructs, in the stacks that hold them', () => {
    const where = (c: any) => Stack.of(c).stackName;
    expect({
      guardrails: where(platform.costGuardrails),
      tagActivation: where(platform.costAllocationTags),
      registry: where(platform.registry),
      cluster: where(platform.gpuCluster),
      pipeline: where(platform.pipelines['fraud-scoring']),
      endpoint: where(platform.endpoints['fraud-scoring']),
      monitor: where(platform.monitors['fraud-scoring']),
      promotion: where(platform.promotions['fraud-scoring']),
      staging: where(platform.stageEndpoints['fraud-scoring'].staging),
      clusterTraining: where(platform.clusterTraining['fraud-scoring']),
      nodePools: where(platform.chartManifests.GpuNodePools),
    }).toEqual({
      guardrails: 'MlopsSharedServices',
      tagActivation: 'MlopsSharedServices',
      registry: 'MlopsRegistry',
      cluster: 'MlopsGpuCluster',
      pipeline: 'MlopsTraining',
      endpoint: 'MlopsServing',
      monitor: 'MlopsServing',
      promotion: 'MlopsTraining',
      staging: 'MlopsFraudScoringStaging',
      clusterTraining: 'MlopsTraining',
      nodePools: 'MlopsGpuCluster',
    });
    expect(platform.billingExport).toBeUndefined();
    expect(platform.costReport).toBeUndefined();
  });

  test('the Kubernetes side: pools by name, team namespaces, queues', () => {
    const charts = platform.charts!;
    expect(Object.entries(charts.gpuPools).map(([name, p]) => [name, p.billedTo])).toEqual([['fraud-training', 'fraud'], ['recsys-training', 'recsys']]);
    expect(Object.keys(charts.gpuTeams)).toEqual(['fraud', 'recsys']);
    expect(charts.queuesByTeam.fraud.flavors.map(f => f.flavorName)).toEqual(['fraud-training-spot']);
    expect(platform.clusterTraining['fraud-scoring'].namespace).toBe('fraud');
    expect(platform.vpc).toBe(platform.gpuCluster!.vpc);
  });

  test('a part changed after construction shows in the template', () => {
    const { platform: p } = platformOf(full());
    const reader = new iam.Role(p.trainingStack!, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    p.pipelines['fraud-scoring'].grantStartPipelineExecution(reader);
    const policies = Template.fromStack(p.trainingStack!).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: p.trainingStack!.getLogicalId(reader.node.defaultChild as iam.CfnRole) }] },
    });
    expect(Object.values(policies).map(r => r.Properties.PolicyDocument.Statement.map((st: any) => st.Action))).toEqual([['sagemaker:StartPipelineExecution']]);
  });

  test('stack names, descriptions and the environment are configurable', () => {
    const { platform: p } = platformOf(full({
      env: { account: '123456789012', region: 'eu-west-1' },
      stacks: { registry: { stackName: 'Models', description: 'the registry' }, gpuCluster: { terminationProtection: true } },
    }));
    const registry = p.registryStack!;
    expect([registry.stackName, registry.node.id, registry.templateOptions.description, registry.region]).toEqual(['Models', 'Models', 'the registry', 'eu-west-1']);
    expect([p.gpuClusterStack!.stackName, p.gpuClusterStack!.terminationProtection, p.gpuClusterStack!.account]).toEqual(['MlopsGpuCluster', true, '123456789012']);
  });
});

test('every stateful resource of every stack is retained on deletion and on replacement', () => {
  const stateful = ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::ECR::Repository', 'AWS::SageMaker::ModelPackageGroup', 'AWS::EKS::Cluster', 'AWS::Logs::LogGroup'];
  const found = Object.entries(resources).filter(([, r]) => stateful.includes(r.Type));
  expect(found.length).toBeGreaterThan(10);
  expect(found.filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain').map(([id]) => id)).toEqual([]);
  // Team namespaces are kept too when they leave the chart or the stack.
  const namespaces = ofType('Custom::AWSCDK-EKS-KubernetesResource').filter(([id]) => /GpuTeamsNamespaces/.test(id));
  expect(namespaces.map(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy])).toEqual([['Retain', 'Retain']]);
});

test('the platform synthesizes: every taggable resource carries every required cost tag', () => {
  expect(() => app.synth()).not.toThrow();
});

test('cdk-nag AWS Solutions checks: no unacknowledged finding on the full platform', () => {
  const result = synthWithNag(scope => {
    new MlopsPlatform(scope, 'Mlops', full({ models: [fraudModel({ promotion: { staging: {}, production: {}, smokeTest: { payload: '{}' } } })] }));
  });
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly?.stacks.length).toBe(7);
});
