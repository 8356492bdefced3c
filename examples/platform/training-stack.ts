import { Duration } from 'aws-cdk-lib';
import { BASELINE_PREFIX } from './serving-stack';
// Capabilities, not the library's barrel: `cdk synth` then loads what the example uses.
import { ComparisonOperator, PipelineParameter } from '../../constructs/pipelines';
import type { ClusterTrainingConfig, ModelTrainingConfig } from '../../constructs/platform';

/**
 * Training of the fraud team's scoring model (stack `MlopsTraining`): a SageMaker pipeline (prepare, check the data
 * against the served version's baseline, train on spot, evaluate, register for approval when AUC clears the bar),
 * retrained weekly, on new data and on drift. Billed to the fraud team, which owns the model.
 */
export const FRAUD_SCORING_TRAINING: ModelTrainingConfig = {
  id: 'FraudTraining',
  // Training images are referenced by digest, so a run is reproducible from the model package's lineage.
  imageDigest: 'sha256:5d41402abc4b2a76b9719d911017c592ae2a6b5e1e7c0b8b3b5c1b1f6d3f9a2c',
  // Raw data lands in the registry bucket under datasets/, a prefix no consumer account can read.
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
      baselineStatisticsUri: artifactUri(`${BASELINE_PREFIX}statistics.json`),
      baselineConstraintsUri: artifactUri(`${BASELINE_PREFIX}constraints.json`),
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
      conditions: [{
        metric: evaluate.metric('auc'),
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO,
        threshold: PipelineParameter.float('MinAuc', 0.92),
      }],
      ifSteps: [pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate, qualityCheck: check })],
      elseSteps: [pipeline.addFail('BelowThreshold', { errorMessage: 'AUC below MinAuc: not registered' })],
    });
  },
  retraining: {
    schedules: { Weekly: { expression: 'cron(0 3 ? * MON *)', timeZone: 'Europe/Paris' } },
    onNewData: { keySuffix: '_SUCCESS' },
    // The serving endpoint's data-quality violations.
    onDrift: true,
  },
};

/**
 * The identity with which the fraud team's multi-node jobs on the GPU cluster write checkpoints (service account
 * `fraud-scoring-training` in namespace `fraud`; see the workloads in gpu-workloads.ts).
 */
export const FRAUD_SCORING_CLUSTER_TRAINING: ClusterTrainingConfig = { id: 'FraudCheckpoints' };
