import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ComparisonOperator, DatasetFormat, PipelineParameter, TrainingDistribution, TrainingPipeline, type TrainingPipelineProps,
} from '../../../constructs';
import { fixture as servingFixture, MODEL, type Fixture } from '../serving/fixtures';

export { MODEL };
export const DIGEST = `sha256:${'ab12'.repeat(16)}`;
export const BASELINE = {
  baselineStatisticsUri: 's3://baselines-bucket/fraud-scoring/statistics.json',
  baselineConstraintsUri: 's3://baselines-bucket/fraud-scoring/constraints.json',
};

export interface PipelineFixture extends Fixture {
  readonly data: s3.Bucket;
}

/** The serving fixture (registry, VPC, cost tags; the model owned by team fraud) plus a data bucket. */
export function fixture(...args: Parameters<typeof servingFixture>): PipelineFixture {
  const f = servingFixture(...args);
  const data = new s3.Bucket(f.stack, 'Data', {
    encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  return { ...f, data };
}

/** A pipeline of MODEL in the fixture, with no step yet. */
export function emptyPipeline(f: PipelineFixture, props: Partial<TrainingPipelineProps> = {}, id = 'Training'): TrainingPipeline {
  return new TrainingPipeline(f.stack, id, {
    registry: f.registry,
    model: f.registry.model(MODEL),
    imageDigest: DIGEST,
    data: { bucket: f.data, prefix: 'raw/fraud/' },
    vpc: f.vpc,
    codePrefix: 'code/1.4.0/',
    pipelineName: 'fraud-training',
    ...props,
  });
}

/** The pipeline: prepare, check, train (2 GPU instances), evaluate, condition, register or fail. */
export function fullPipeline(f: PipelineFixture, props: Partial<TrainingPipelineProps> = {}) {
  const pipeline = emptyPipeline(f, props);
  const trainingType = PipelineParameter.string('TrainingInstanceType', 'ml.g5.12xlarge');
  const minAuc = PipelineParameter.float('MinAuc', 0.9);
  const prepare = pipeline.addProcessing('Prepare', {
    command: ['python3', '/opt/ml/processing/input/code/prepare.py'],
    inputs: { raw: pipeline.inputData },
    outputs: ['train', 'validation', 'test'],
  });
  const check = pipeline.addDataQualityCheck('CheckData', { dataset: prepare.output('train'), datasetFormat: DatasetFormat.csv(), ...BASELINE });
  const train = pipeline.addTraining('Train', {
    channels: { train: prepare.output('train'), validation: prepare.output('validation') },
    command: ['torchrun', '/opt/ml/input/data/code/train.py'],
    hyperParameters: { epochs: '10' },
    instanceType: trainingType,
    instanceCount: 2,
    distribution: TrainingDistribution.torchDistributed(),
    maxRuntime: Duration.hours(8),
    dependsOn: [check],
  });
  const evaluate = pipeline.addEvaluation('Evaluate', {
    command: ['python3', '/opt/ml/processing/input/code/evaluate.py'],
    model: train.modelArtifacts,
    inputs: { test: prepare.output('test') },
    metrics: { auc: 'metrics.auc.value', f1: 'metrics.f1.value' },
  });
  const register = pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate, qualityCheck: check });
  const fail = pipeline.addFail('BelowThreshold', { errorMessage: 'AUC below MinAuc: the model was not registered' });
  const gate = pipeline.addCondition('QualityGate', {
    conditions: [{ metric: evaluate.metric('auc'), comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO, threshold: minAuc }],
    ifSteps: [register],
    elseSteps: [fail],
  });
  return { pipeline, prepare, check, train, evaluate, register, fail, gate, trainingType, minAuc };
}

/**
 * The pipeline definition of the only AWS::SageMaker::Pipeline of the template, parsed. CloudFormation references
 * inside it (a `Fn::Join` of the JSON text) become `<LogicalId>` or `<LogicalId.Attribute>` placeholders.
 */
export function definitionOf(template: Template): any {
  const pipelines = Object.values(template.findResources('AWS::SageMaker::Pipeline')) as any[];
  expect(pipelines).toHaveLength(1);
  const body = pipelines[0].Properties.PipelineDefinition.PipelineDefinitionBody;
  return JSON.parse(typeof body === 'string' ? body : flatten(body));
}

function flatten(value: any): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value['Fn::Join']) {
    return value['Fn::Join'][1].map(flatten).join(value['Fn::Join'][0]);
  }
  if (value.Ref) {
    return `<${value.Ref}>`;
  }
  if (value['Fn::GetAtt']) {
    return `<${value['Fn::GetAtt'].join('.')}>`;
  }
  if (value['Fn::Select'] || value['Fn::FindInMap'] || value['Fn::Split']) {
    return `<${Object.keys(value)[0]}>`;
  }
  throw new Error(`unexpected intrinsic in the definition: ${JSON.stringify(value)}`);
}

/** A step of the definition by name, searching condition branches too. */
export function stepOf(definition: any, name: string): any {
  const all: any[] = [];
  const walk = (steps: any[]) => steps.forEach(s => {
    all.push(s);
    if (s.Type === 'Condition') {
      walk([...s.Arguments.IfSteps ?? [], ...s.Arguments.ElseSteps ?? []]);
    }
  });
  walk(definition.Steps);
  const found = all.filter(s => s.Name === name);
  expect(found).toHaveLength(1);
  return found[0];
}
