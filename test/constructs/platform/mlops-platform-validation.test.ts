import { App, Stack } from 'aws-cdk-lib';
import { DIGEST, fourSteps, fraudModel, full, sagemakerOnly, TAGS, twoTeams } from './fixtures';
import { CapacityStrategy, MlopsPlatform, type MlopsPlatformProps, MlopsStackError, type ModelConfig, type TeamConfig } from '../../../constructs';

/** The message of the error creating a platform from `props` throws (fails the test when it does not throw). */
function errorOf(props: MlopsPlatformProps): string {
  try {
    new MlopsPlatform(new App(), 'Mlops', props);
  } catch (e) {
    expect(e).toBeInstanceOf(MlopsStackError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

/** `twoTeams()` with team `i` changed. */
function withTeam(i: number, change: (t: TeamConfig) => TeamConfig): TeamConfig[] {
  return twoTeams().map((t, j) => (j === i ? change(t) : t));
}

const pool = (t: TeamConfig, change: object): TeamConfig => ({ ...t, pools: [{ ...t.pools![0], ...change }] });
const model = (change: Partial<ModelConfig>): ModelConfig[] => [fraudModel(change)];

test('a valid configuration is accepted (the cases below each break one thing)', () => {
  expect(() => new MlopsPlatform(new App(), 'Mlops', full())).not.toThrow();
  expect(() => new MlopsPlatform(new App(), 'Mlops', sagemakerOnly())).not.toThrow();
});

describe('teams and their pools', () => {
  test.each<[string, Partial<MlopsPlatformProps>, RegExp]>([
    ['a non-positive GPU limit', { teams: withTeam(1, t => pool(t, { gpuLimit: 0 })) },
      /teams\[1\]\.pools\[0\]\.gpuLimit \(0\) must be a whole number from 1 to 2147483647/],
    ['a fractional GPU limit', { teams: withTeam(0, t => pool(t, { gpuLimit: 2.5 })) }, /teams\[0\]\.pools\[0\]\.gpuLimit \(2\.5\) must be a whole number/],
    ['no instance family', { teams: withTeam(0, t => pool(t, { instanceFamilies: [] })) }, /teams\[0\]\.pools\[0\]\.instanceFamilies is empty/],
    ['a CPU instance family', { teams: withTeam(1, t => pool(t, { instanceFamilies: ['p4d', 'm7i'] })) },
      /teams\[1\]\.pools\[0\]\.instanceFamilies\[1\] \("m7i"\) is not an NVIDIA GPU instance family/],
    ['a pool name that is not a DNS label', { teams: withTeam(0, t => pool(t, { name: 'Fraud_Pool' })) },
      /teams\[0\]\.pools\[0\]\.name \("Fraud_Pool"\) must be a DNS-1123 label/],
    ['two pools of one name', { teams: withTeam(1, t => pool(t, { name: 'fraud-training' })) },
      /teams\[1\]\.pools\[0\]\.name \("fraud-training"\) is also the name of teams\[0\]\.pools\[0\]/],
    ['a team listed twice', { teams: [...twoTeams(), { name: 'fraud' }] }, /teams\[2\]\.name \("fraud"\) duplicates teams\[0\]\.name/],
    ['a team named like the platform team', { teams: [...twoTeams(), { name: 'ml-platform' }] },
      /teams\[2\]\.name \("ml-platform"\) is the platform team \(platformTeam\.name\)/],
    ['a team name that is no tag value', { teams: [{ name: 'Fraud Detection' }] }, /teams\[0\]\.name \("Fraud Detection"\) is not a valid team: .*Kubernetes label/],
    ['a team name that is no namespace name (with a cluster)', { teams: withTeam(0, t => ({ ...t, name: 'Fraud' })) },
      /teams\[0\]\.name \("Fraud"\) must be a DNS-1123 label/],
    ['a non-positive budget', { teams: withTeam(1, t => ({ ...t, budget: { monthlyLimitUsd: -5 } })) },
      /teams\[1\]\.budget\.monthlyLimitUsd \(-5\) must be greater than 0/],
    ['no quota in a pool\'s quota', { teams: withTeam(0, t => pool(t, { quota: {} })) }, /teams\[0\]\.pools\[0\]\.quota gives no quota; set spotGpus and\/or onDemandGpus/],
    ['a non-positive quota', { teams: withTeam(0, t => pool(t, { quota: { spotGpus: 0 } })) }, /teams\[0\]\.pools\[0\]\.quota\.spotGpus \(0\) must be a whole number from 1/],
    ['spot quota on an on-demand-only pool', { teams: withTeam(0, t => pool(t, { capacityStrategy: CapacityStrategy.onDemandOnly(), quota: { spotGpus: 4 } })) },
      /teams\[0\]\.pools\[0\]\.quota\.spotGpus \(4\) is spot quota on a pool that buys on-demand only/],
    ['a quota on another team\'s pool', { teams: withTeam(0, t => ({ ...t, sharedPools: [{ pool: 'recsys-training', spotGpus: 2 }] })) },
      /teams\[0\]\.sharedPools\[0\]\.pool \("recsys-training"\) is dedicated to team "recsys"; a team may use its own pools and the shared ones/],
    ['a quota on an unknown pool', { teams: withTeam(0, t => ({ ...t, sharedPools: [{ pool: 'l40s', spotGpus: 2 }] })) },
      /teams\[0\]\.sharedPools\[0\]\.pool \("l40s"\) is not a shared pool of the platform; shared pools \(gpuCluster\.sharedPools\): \(none\)/],
    ['a negative borrowing limit', {
      teams: withTeam(0, t => ({ ...t, sharedPools: [{ pool: 'shared', spotGpus: 2, borrowingLimitGpus: -1 }] })),
      gpuCluster: { sharedPools: [{ name: 'shared', instanceFamilies: ['g6e'], gpuLimit: 8 }] },
    }, /teams\[0\]\.sharedPools\[0\]\.borrowingLimitGpus \(-1\) must be a whole number from 0/],
    ['a shared pool with no GPU', { gpuCluster: { sharedPools: [{ name: 'shared', instanceFamilies: ['g6e'], gpuLimit: 0 }] } },
      /gpuCluster\.sharedPools\[0\]\.gpuLimit \(0\) must be a whole number from 1/],
    ['a CPU quota on an unknown pool', { teams: withTeam(0, t => ({ ...t, cpuQuota: { pool: 'cpu', spotCpus: 8 } })) },
      /teams\[0\]\.cpuQuota\.pool \("cpu"\) is not a CPU pool of the platform; CPU pools \(gpuCluster\.cpuPools\): \(none\)/],
    ['a CPU quota without quota', { teams: withTeam(0, t => ({ ...t, cpuQuota: { pool: 'cpu' } })), gpuCluster: { cpuPools: [{ name: 'cpu' }] } },
      /teams\[0\]\.cpuQuota gives no quota; set spotCpus and\/or onDemandCpus/],
    ['a CPU-only team without maxGpus', { teams: [{ name: 'etl', cpuQuota: { pool: 'cpu', spotCpus: 8 } }], gpuCluster: { cpuPools: [{ name: 'cpu' }] }, costGuardrails: undefined },
      /teams\[0\]\.maxGpus is needed: the team has no GPU pool and no nominal GPU quota/],
    ['a non-positive maxGpus', { teams: withTeam(0, t => ({ ...t, maxGpus: 0 })) }, /teams\[0\]\.maxGpus \(0\) must be a whole number from 1/],
    ['maxGpus for a team with nothing on the cluster', { teams: [...twoTeams(), { name: 'bi', maxGpus: 4 }] },
      /teams\[2\]\.maxGpus \(4\) is given, but the team has no pool and no quota, so it gets no namespace/],
    ['namespace options for a team with nothing on the cluster', { teams: [...twoTeams(), { name: 'bi', namespace: { rbacGroups: ['bi'] } }] },
      /teams\[2\]\.namespace is given, but the team has no pool and no quota/],
    ['pools on a SageMaker-only platform', { gpuCluster: undefined },
      /teams\[0\]\.pools: this platform has no gpuCluster \(SageMaker only\), so teams have no pools, quotas or namespaces/],
  ])('%s', (_name, change, message) => {
    expect(errorOf(full(change))).toMatch(message);
  });
});

describe('tags, the platform team and cost guardrails', () => {
  test.each<[string, Partial<MlopsPlatformProps>, RegExp]>([
    ['the team key in tags', { tags: { ...TAGS, team: 'ml-platform' } }, /tags\.team \("ml-platform"\): the team key is set per part, from platformTeam\.name/],
    ['a required tag missing', { tags: { project: 'scoring', environment: 'prod' } }, /tags lack required key\(s\) cost-center/],
    ['a tag outside the schema', { tags: { ...TAGS, costcenter: 'cc-1' } }, /tags\["costcenter"\]: tag key "costcenter" is not in the schema/],
    ['a tag value that cannot be a label', { tags: { ...TAGS, project: 'Fraud Scoring' } }, /tags\["project"\]: .*cannot be a Kubernetes label value/],
    ['an invalid platform team name', { platformTeam: { name: 'ML Platform' } }, /platformTeam\.name \("ML Platform"\) is not a valid team/],
    ['a non-positive platform budget', { platformTeam: { name: 'ml-platform', budget: { monthlyLimitUsd: 0 } } },
      /platformTeam\.budget\.monthlyLimitUsd \(0\) must be greater than 0/],
    ['a budget without guardrails', { costGuardrails: undefined }, /teams\[0\]\.budget: budgets notify costGuardrails\.subscribers, and this platform has no costGuardrails/],
    ['guardrails without any budget', { teams: twoTeams().map(({ budget: _b, ...t }) => t) }, /costGuardrails: no team has a budget, so there is nothing to guard/],
    ['a scheduled report without guardrails', { teams: twoTeams().map(({ budget: _b, ...t }) => t), costGuardrails: undefined, costReport: {} },
      /costReport: the scheduled report posts to the cost guardrails' topic, and this platform has no costGuardrails/],
    ['a finance name without a cost category', { teams: withTeam(1, t => ({ ...t, financeName: 'Recommendations' })) },
      /teams\[1\]\.financeName \("Recommendations"\) names the team in the cost category, and costGuardrails\.costCategory is not configured/],
  ])('%s', (_name, change, message) => {
    expect(errorOf(full(change))).toMatch(message);
  });
});

describe('models', () => {
  test.each<[string, Partial<MlopsPlatformProps>, RegExp]>([
    ['a model of an unknown team', { models: model({ team: 'fraud-detection' }) },
      /models\[0\]\.team \("fraud-detection"\) is not a team of the platform; a model belongs to one of "fraud", "recsys", "ml-platform"/],
    ['an invalid model name', { models: model({ name: 'fraud_scoring' }) }, /models\[0\]\.name \("fraud_scoring"\) must match/],
    ['two models of one name, regardless of case', { models: [fraudModel(), { name: 'Fraud-Scoring' }] },
      /models\[1\]\.name \("Fraud-Scoring"\) duplicates models\[0\]\.name \("fraud-scoring"\)/],
    ['an image tag where a digest belongs', { models: model({ training: { imageDigest: 'fraud:1.4.0', steps: fourSteps } }) },
      /models\[0\]\.training\.imageDigest \("fraud:1\.4\.0"\) must be an image digest/],
    ['steps that are not a function', { models: model({ training: { imageDigest: DIGEST, steps: undefined as any } }) },
      /models\[0\]\.training\.steps must be a function that adds the pipeline's steps/],
    ['a data prefix without its slash', { models: model({ training: { imageDigest: DIGEST, steps: fourSteps, data: { prefix: 'raw/fraud' } } }) },
      /models\[0\]\.training\.data\.prefix \("raw\/fraud"\) must be a key prefix ending in "\/"/],
    ['retraining on drift with no endpoint', { models: model({ endpoint: undefined, training: { imageDigest: DIGEST, steps: fourSteps, retraining: { onDrift: true } } }) },
      /models\[0\]\.training\.retraining\.onDrift: drift is found by the endpoint's data-quality monitor, and models\[0\]\.endpoint is not configured/],
    ['retraining on drift with an unmonitored endpoint', {
      models: model({
        training: { imageDigest: DIGEST, steps: fourSteps, retraining: { onDrift: true } },
        endpoint: { ...fraudModel().endpoint!, dataQuality: undefined },
      }),
    }, /models\[0\]\.training\.retraining\.onDrift: .* models\[0\]\.endpoint\.dataQuality is not configured/],
    ['a monitor without captured requests', { models: model({ endpoint: { ...fraudModel().endpoint!, dataCapture: undefined } }) },
      /models\[0\]\.endpoint\.dataQuality: the monitor reads the endpoint's captured requests; give models\[0\]\.endpoint\.dataCapture/],
    ['a baseline prefix without its slash', { models: model({ endpoint: { ...fraudModel().endpoint!, dataQuality: { baselinePrefix: '1.4.0/baseline' } } }) },
      /models\[0\]\.endpoint\.dataQuality\.baselinePrefix \("1\.4\.0\/baseline"\) must be a key prefix/],
    ['cluster training on a SageMaker-only platform', { ...sagemakerOnly(), gpuCluster: undefined, models: model({ clusterTraining: {} }) },
      /models\[0\]\.clusterTraining: this platform has no gpuCluster \(SageMaker only\), so there is no cluster to train on/],
    ['cluster training for a team without a namespace', { models: model({ team: undefined, clusterTraining: {} }) },
      /models\[0\]\.clusterTraining: the model's team \("ml-platform"\) has no namespace on the cluster; only teams with a pool or a quota have one \("fraud", "recsys"\)/],
    ['two parts with one construct id', { models: model({ promotion: { id: 'FraudScoringTraining', staging: {}, production: {}, smokeTest: { payload: '{}' } } }) },
      /models\[0\]\.promotion\.id \("FraudScoringTraining"\) is also the construct id of models\[0\]\.training\.id in the training stack/],
  ])('%s', (_name, change, message) => {
    expect(errorOf(full(change))).toMatch(message);
  });
});

describe('which parts exist', () => {
  const kubernetesOnly = (change: Partial<MlopsPlatformProps> = {}) => full({ kubernetesOnly: true, models: undefined, ...change });

  test.each<[string, MlopsPlatformProps, RegExp]>([
    ['Kubernetes only without a cluster', kubernetesOnly({ gpuCluster: undefined, teams: [], costGuardrails: undefined }),
      /kubernetesOnly \(true\) needs gpuCluster/],
    ['Kubernetes only with a registry', kubernetesOnly({ registry: {} }), /registry: a Kubernetes-only platform \(kubernetesOnly: true\) has no model registry/],
    ['Kubernetes only with a model', kubernetesOnly({ models: [{ name: 'churn' }] }),
      /models\[0\] \("churn"\): a Kubernetes-only platform \(kubernetesOnly: true\) has no model registry, so it has no models/],
    ['a pipeline without a registry (Kubernetes only)', kubernetesOnly({ models: [{ name: 'churn', training: { imageDigest: DIGEST, steps: fourSteps } }] }),
      /models\[0\]\.training: a training pipeline needs the model registry, which a Kubernetes-only platform \(kubernetesOnly: true\) does not have/],
    ['an endpoint without a registry (Kubernetes only)', kubernetesOnly({ models: [{ name: 'churn', endpoint: fraudModel().endpoint }] }),
      /models\[0\]\.endpoint: an endpoint needs the model registry/],
    ['an invalid stack name', full({ stacks: { serving: { stackName: 'mlops_serving' } } }), /stacks\.serving\.stackName \("mlops_serving"\) must be a CloudFormation stack name/],
    ['two stacks of one name', full({ stacks: { training: { stackName: 'MlopsServing' } } }),
      /stacks\.training\.stackName \("MlopsServing"\) is also the name of stacks\.serving\.stackName/],
    ['a stage stack named like a platform stack', full({ models: model({ promotion: { staging: { stack: { stackName: 'MlopsRegistry' } }, production: {}, smokeTest: { payload: '{}' } } }) }),
      /models\[0\]\.promotion\.staging\.stack\.stackName \("MlopsRegistry"\) is also the name of stacks\.registry\.stackName/],
  ])('%s', (_name, props, message) => {
    expect(errorOf(props)).toMatch(message);
  });

  test('the platform goes in an App or a Stage, since it creates stacks beside itself', () => {
    expect(() => new MlopsPlatform(new Stack(new App(), 'S'), 'Mlops', full()))
      .toThrow(/^S\/Mlops: an MlopsPlatform creates stacks beside itself, so its scope must be an App or a Stage, and "S" is neither/);
  });
});

test('every problem is reported at once, prefixed with the platform\'s path, before anything is created', () => {
  const app = new App();
  const props = full({
    teams: withTeam(1, t => pool(t, { gpuLimit: 0 })),
    models: model({ team: 'nobody' }),
    stacks: { serving: { stackName: 'bad_name' } },
  });
  expect(() => new MlopsPlatform(app, 'Mlops', props)).toThrow(new RegExp([
    '^Mlops: invalid MlopsPlatform configuration:',
    '  - teams\\[1\\]\\.pools\\[0\\]\\.gpuLimit \\(0\\) must be',
    '  - models\\[0\\]\\.team \\("nobody"\\) is not a team',
    '  - stacks\\.serving\\.stackName \\("bad_name"\\) must be',
  ].join('[^]*')));
  // Only the refused platform's own node: no stack was created.
  expect(app.node.children.map(c => c.node.id)).toEqual(['Mlops']);
});
