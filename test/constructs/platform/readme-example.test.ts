import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { allResources, tagOf } from './fixtures';
import { MlopsPlatform, ModelSource, ServingInstanceType } from '../../../constructs';
import { describeViolations, synthWithNag } from '../../harness/validators';

// The example of the README's "The platform in one construct" section, as written there (the import comes from
// the package there): what a new user builds first must synthesize and bill each team for its own pool.

function readmeExample(app: App, env?: Environment): MlopsPlatform {
  const platform = new MlopsPlatform(app, 'Mlops', {
    env,
    tags: { 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod' },
    platformTeam: { name: 'ml-platform' },
    teams: [
      { name: 'fraud', budget: { monthlyLimitUsd: 20_000 }, pools: [{ name: 'fraud-training', instanceFamilies: ['g6', 'g5'], gpuLimit: 16 }] },
      { name: 'recsys', budget: { monthlyLimitUsd: 45_000 }, pools: [{ name: 'recsys-training', instanceFamilies: ['p4d', 'p4de'], gpuLimit: 32 }] },
    ],
    gpuCluster: {},
    costGuardrails: { subscribers: ['finops@example.com'] },
    models: [{
      name: 'fraud-scoring',
      team: 'fraud',
      training: {
        imageDigest: 'sha256:5d41402abc4b2a76b9719d911017c592ae2a6b5e1e7c0b8b3b5c1b1f6d3f9a2c',
        steps: pipeline => {
          const prepare = pipeline.addProcessing('Prepare', { command: ['python3', 'prepare.py'], inputs: { raw: pipeline.inputData }, outputs: ['train', 'test'] });
          const train = pipeline.addTraining('Train', { channels: { train: prepare.output('train') } });
          const evaluate = pipeline.addEvaluation('Evaluate', {
            command: ['python3', 'evaluate.py'], model: train.modelArtifacts, inputs: { test: prepare.output('test') }, metrics: { auc: 'metrics.auc.value' },
          });
          pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate });
        },
      },
      endpoint: {
        source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
        variants: [{ variantName: 'current', instanceType: ServingInstanceType.ML_C5_XLARGE }],
      },
    }],
  });
  return platform;
}

const app = new App();
const platform = readmeExample(app);

test('it synthesizes, every cost tag in place', () => {
  expect(app.synth().stacks.map(s => s.stackName).sort()).toEqual(['MlopsGpuCluster', 'MlopsRegistry', 'MlopsServing', 'MlopsSharedServices', 'MlopsTraining']);
});

test('each team is billed for its own GPU pool, and has its own budget', () => {
  expect(Object.entries(platform.charts!.gpuPools).map(([name, pool]) => [name, pool.billedTo])).toEqual([['fraud-training', 'fraud'], ['recsys-training', 'recsys']]);
  expect(Object.keys(platform.costGuardrails!.budgets)).toEqual(['fraud', 'recsys']);
});

test('one model with a pipeline and an endpoint, both billed to fraud', () => {
  const billed = Object.values(allResources(platform)).filter(r => ['AWS::SageMaker::Pipeline', 'AWS::SageMaker::Endpoint'].includes(r.Type));
  expect(billed.map(r => [r.Type, tagOf(r, 'team')])).toEqual([['AWS::SageMaker::Endpoint', 'fraud'], ['AWS::SageMaker::Pipeline', 'fraud']]);
  Template.fromStack(platform.trainingStack!).resourceCountIs('AWS::SageMaker::Pipeline', 1);
});

test.each<[string, Environment | undefined]>([
  ['env-agnostic, as written', undefined],
  // A platform repository's app binds its stacks to a region: cdk-nag's findings then print it as a literal, and
  // every acknowledgement of the constructs must still match.
  ['bound to an account and region', { account: '111122223333', region: 'eu-west-1' }],
])('cdk-nag finds nothing unacknowledged: %s', (_what, env) => {
  const result = synthWithNag(nagged => {
    readmeExample(nagged, env);
  });
  expect(describeViolations(result.violations)).toBe('');
});
