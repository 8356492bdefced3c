import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
// Capabilities, not the library's barrel: `cdk synth` loads only what the example uses.
import { ComparisonOperator, PipelineParameter } from '../../constructs/pipelines';
import { MlopsPlatform } from '../../constructs/platform';
import { CapacitySize, DeploymentGuardrail, ModelSource, ServingInstanceType } from '../../constructs/serving';

/** Where the served version's training-data baseline lives, under the model's artifacts prefix. */
const BASELINE = '1.4.0/baseline/';

/**
 * A platform without Kubernetes: two teams, each with its own monthly budget, and the fraud team's scoring
 * model, trained by a SageMaker pipeline (prepare, check the data, train on spot, evaluate, register when the
 * AUC clears the bar; weekly and on drift) and served by a SageMaker endpoint (canary rollout, autoscaling,
 * captured requests, an hourly data-quality check). No `gpuCluster`: the jobs and the endpoint run in the VPC
 * of the platform's network stack. Env-agnostic, so it synthesizes with no AWS account or credentials.
 */
export function buildSageMakerOnlyPlatform(scope: Construct): MlopsPlatform {
  const description = (part: string) => ({ description: `MLOps platform: ${part} (mlops-stack SageMaker-only example)` });
  return new MlopsPlatform(scope, 'Mlops', {
    tags: { 'project': 'fraud-detection', 'cost-center': 'cc-4200', 'environment': 'prod' },
    platformTeam: { name: 'ml-platform', budget: { monthlyLimitUsd: 5_000 } },
    teams: [
      { name: 'fraud', budget: { monthlyLimitUsd: 20_000 } },
      { name: 'recsys', budget: { monthlyLimitUsd: 15_000, forecastedThresholdsPercent: [110] } },
    ],
    costGuardrails: { subscribers: ['finops@example.com'] },
    models: [{
      name: 'fraud-scoring',
      team: 'fraud',
      description: 'Card-not-present fraud scoring (gradient-boosted trees)',
      endpoint: {
        source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
        variants: [{
          variantName: 'current',
          // Gradient-boosted trees: CPU serving is cheaper than a GPU at this model's latency.
          instanceType: ServingInstanceType.ML_C5_XLARGE,
          // A canary needs room: at least two instances, so one can take the new configuration first.
          autoScaling: { minCapacity: 2, maxCapacity: 6, invocationsPerInstance: 600 },
        }],
        guardrail: DeploymentGuardrail.canary({ size: CapacitySize.instances(1), bakeTime: Duration.minutes(10) }),
        dataCapture: { samplingPercentage: 20 },
        dataQuality: { baselinePrefix: BASELINE },
      },
      training: {
        // Training images are referenced by digest, so a run is reproducible from the model package's lineage.
        imageDigest: 'sha256:5d41402abc4b2a76b9719d911017c592ae2a6b5e1e7c0b8b3b5c1b1f6d3f9a2c',
        data: { prefix: 'datasets/fraud-scoring/raw/' },
        codePrefix: 'code/1.4.0/',
        steps: (pipeline, { artifactUri }) => {
          const prepare = pipeline.addProcessing('Prepare', {
            command: ['python3', '/opt/ml/processing/input/code/prepare.py'],
            inputs: { raw: pipeline.inputData },
            outputs: ['train', 'test'],
          });
          const check = pipeline.addDataQualityCheck('CheckData', {
            dataset: prepare.output('train'),
            baselineStatisticsUri: artifactUri(`${BASELINE}statistics.json`),
            baselineConstraintsUri: artifactUri(`${BASELINE}constraints.json`),
          });
          const train = pipeline.addTraining('Train', {
            channels: { train: prepare.output('train') },
            instanceType: PipelineParameter.string('TrainingInstanceType', 'ml.g5.2xlarge'),
            maxRuntime: Duration.hours(4),
            dependsOn: [check],
          });
          const evaluate = pipeline.addEvaluation('Evaluate', {
            command: ['python3', '/opt/ml/processing/input/code/evaluate.py'],
            model: train.modelArtifacts,
            inputs: { test: prepare.output('test') },
            metrics: { auc: 'metrics.auc.value' },
          });
          pipeline.addCondition('QualityGate', {
            conditions: [{ metric: evaluate.metric('auc'), comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO, threshold: PipelineParameter.float('MinAuc', 0.92) }],
            ifSteps: [pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate, qualityCheck: check })],
            elseSteps: [pipeline.addFail('BelowThreshold', { errorMessage: 'AUC below MinAuc: not registered' })],
          });
        },
        retraining: {
          schedules: { Weekly: { expression: 'cron(0 3 ? * MON *)', timeZone: 'Europe/Paris' } },
          onDrift: true,
        },
      },
    }],
    stacks: {
      sharedServices: description('shared services'),
      registry: description('model registry'),
      network: description('network of the SageMaker jobs and endpoints'),
      serving: description('model serving'),
      training: description('model training'),
    },
  });
}
