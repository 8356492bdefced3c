import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';
// Capabilities, not the library's barrel: `cdk synth` then loads what this stack uses.
import { TrainingPodIdentity } from '../../constructs/compute';
import { ComparisonOperator, ModelPromotion, PipelineParameter, TrainingPipeline } from '../../constructs/pipelines';
import type { ModelRegistry } from '../../constructs/registry';
import type { DataQualityMonitor } from '../../constructs/serving';
import type { EndpointStageStack } from './endpoint-stage-stack';

/**
 * Props of the example {@link TrainingStack}.
 */
export interface TrainingStackProps extends StackProps {
  /** The registry that holds the trained model. */
  readonly registry: ModelRegistry;
  /** The VPC the pipeline's jobs attach to (the GPU cluster's). */
  readonly vpc: ec2.IVpc;
  /** The GPU cluster where the fraud team's distributed training jobs run. */
  readonly cluster: eks.ICluster;
  /** The data-quality monitor of the serving endpoint: its violations start a retraining. */
  readonly drift: DataQualityMonitor;
  /** The staging and production stacks of the fraud-scoring endpoint that the promotion deploys. */
  readonly promotionStages: { readonly staging: EndpointStageStack; readonly production: EndpointStageStack };
}

/** Where the served version's training-data baseline lives, under the model's prefix. */
export function baselineUris(registry: ModelRegistry, modelName: string, version: string): { statistics: string; constraints: string } {
  const base = `s3://${registry.artifactBucket.bucketName}/${registry.model(modelName).artifactsPrefix}${version}/baseline`;
  return { statistics: `${base}/statistics.json`, constraints: `${base}/constraints.json` };
}

/**
 * Training of the fraud team's scoring model: a SageMaker pipeline (prepare, check the data against the served
 * version's baseline, train on spot, evaluate, register for approval when AUC clears the bar), retrained weekly,
 * on new data and on drift; its promotion from an approved version to production; and the identity with which its
 * multi-node jobs on the GPU cluster write checkpoints.
 * Billed to the fraud team, which owns the model.
 */
export class TrainingStack extends Stack {
  /** The fraud-scoring training pipeline. */
  public readonly fraudTraining: TrainingPipeline;
  /** The pod identity of fraud's distributed training jobs (service account `fraud-scoring-training`). */
  public readonly fraudCheckpoints: TrainingPodIdentity;
  /** From an approved package version to production: staging, smoke test, manual approval, production. */
  public readonly fraudPromotion: ModelPromotion;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const { registry } = props;
    const model = registry.model('fraud-scoring');
    const baseline = baselineUris(registry, model.name, '1.4.0');

    const pipeline = new TrainingPipeline(this, 'FraudTraining', {
      registry,
      model,
      vpc: props.vpc,
      // Training images are referenced by digest, so a run is reproducible from the model package's lineage.
      imageDigest: 'sha256:5d41402abc4b2a76b9719d911017c592ae2a6b5e1e7c0b8b3b5c1b1f6d3f9a2c',
      // Raw data lands in the registry bucket under datasets/, a prefix no consumer account can read.
      data: { bucket: registry.artifactBucket, prefix: 'datasets/fraud-scoring/raw/' },
      codePrefix: 'code/1.4.0/',
    });
    const prepare = pipeline.addProcessing('Prepare', {
      command: ['python3', '/opt/ml/processing/input/code/prepare.py'],
      inputs: { raw: pipeline.inputData },
      outputs: ['train', 'test'],
    });
    const check = pipeline.addDataQualityCheck('CheckData', {
      dataset: prepare.output('train'),
      baselineStatisticsUri: baseline.statistics,
      baselineConstraintsUri: baseline.constraints,
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
    pipeline.scheduleRetraining('Weekly', { expression: 'cron(0 3 ? * MON *)', timeZone: 'Europe/Paris' });
    pipeline.retrainOnNewData('NewData', { keySuffix: '_SUCCESS' });
    pipeline.retrainOnDrift('Drift', props.drift);
    this.fraudTraining = pipeline;

    const stage = (s: EndpointStageStack) => ({ stackName: s.stackName, templateFile: s.templateFile, endpointName: s.endpoint.endpointName });
    this.fraudPromotion = new ModelPromotion(this, 'FraudPromotion', {
      registry,
      modelName: model.name,
      staging: stage(props.promotionStages.staging),
      production: stage(props.promotionStages.production),
      smokeTest: { payload: '{"instances": [[0.1, 3, 7, 250.0]]}' },
      approvalEmails: ['ml-oncall@example.com'],
    });

    this.fraudCheckpoints = new TrainingPodIdentity(this, 'FraudCheckpoints', {
      cluster: props.cluster,
      registry,
      modelName: model.name,
      namespace: 'fraud',
    });
  }
}
