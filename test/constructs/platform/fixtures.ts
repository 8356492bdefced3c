import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  MlopsPlatform, type MlopsPlatformProps, type ModelConfig, ModelSource, ServingInstanceType, type TeamConfig, type TrainingPipeline,
} from '../../../constructs';

/** The platform's tags: every required key of the default schema but the team key. */
export const TAGS = { 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod' };
export const DIGEST = `sha256:${'ab12'.repeat(16)}`;

/** Prepare, train, evaluate, register: the smallest pipeline that registers a version. */
export function fourSteps(pipeline: TrainingPipeline): void {
  const prepare = pipeline.addProcessing('Prepare', { command: ['python3', 'prepare.py'], inputs: { raw: pipeline.inputData }, outputs: ['train', 'test'] });
  const train = pipeline.addTraining('Train', { channels: { train: prepare.output('train') } });
  const evaluate = pipeline.addEvaluation('Evaluate', {
    command: ['python3', 'evaluate.py'], model: train.modelArtifacts, inputs: { test: prepare.output('test') }, metrics: { auc: 'metrics.auc.value' },
  });
  pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate });
}

/** Two teams, each with a budget and a GPU pool of its own. */
export function twoTeams(): TeamConfig[] {
  return [
    { name: 'fraud', budget: { monthlyLimitUsd: 20_000 }, pools: [{ name: 'fraud-training', instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 16 }] },
    { name: 'recsys', budget: { monthlyLimitUsd: 45_000 }, pools: [{ name: 'recsys-training', instanceFamilies: ['p4d', 'p4de'], gpuLimit: 32 }] },
  ];
}

/** The fraud team's model with a pipeline and an endpoint (captured requests, a data-quality monitor). */
export function fraudModel(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: 'fraud-scoring',
    team: 'fraud',
    training: { imageDigest: DIGEST, steps: fourSteps },
    endpoint: {
      source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
      variants: [{ variantName: 'current', instanceType: ServingInstanceType.ML_C5_XLARGE }],
      dataCapture: { samplingPercentage: 20 },
      dataQuality: { baselinePrefix: '1.4.0/baseline/' },
    },
    ...overrides,
  };
}

/** A SageMaker-only platform: two teams with budgets, the fraud model. */
export function sagemakerOnly(overrides: Partial<MlopsPlatformProps> = {}): MlopsPlatformProps {
  return {
    tags: TAGS,
    platformTeam: { name: 'ml-platform' },
    teams: twoTeams().map(({ pools: _pools, ...team }) => team),
    costGuardrails: { subscribers: ['finops@example.com'] },
    models: [fraudModel()],
    ...overrides,
  };
}

/** The full platform: a GPU cluster, two teams each with its pool, the fraud model. */
export function full(overrides: Partial<MlopsPlatformProps> = {}): MlopsPlatformProps {
  return {
    tags: TAGS,
    platformTeam: { name: 'ml-platform' },
    teams: twoTeams(),
    gpuCluster: {},
    costGuardrails: { subscribers: ['finops@example.com'] },
    models: [fraudModel()],
    ...overrides,
  };
}

/** A platform in a fresh App (without the built-in template validation, like every unit test). */
export function platformOf(props: MlopsPlatformProps, id = 'Mlops'): { app: App; platform: MlopsPlatform } {
  const app = new App();
  return { app, platform: new MlopsPlatform(app, id, props) };
}

/** A resource of a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: any;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Every resource of every stack of the platform, by `<stack>/<logical id>`. */
export function allResources(platform: MlopsPlatform): Record<string, TemplateResource> {
  return Object.fromEntries(platform.stacks.flatMap(stack =>
    Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>).map(([id, r]) => [`${stack.stackName}/${id}`, r])));
}

/** The value of tag `key` on a resource's `Tags` (a list or a map). */
export function tagOf(resource: { Properties?: any }, key: string): string | undefined {
  const tags = resource.Properties?.Tags;
  if (Array.isArray(tags)) {
    return tags.find((t: any) => t.Key === key)?.Value;
  }
  return tags?.[key];
}
