import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BASELINE, emptyPipeline, fixture, fullPipeline } from './fixtures';
import { ComparisonOperator, PipelineParameter, type TrainingPipeline } from '../../../constructs';

/** A pipeline with a prepare and an evaluation step, for graph tests. */
function base() {
  const f = fixture();
  const pipeline = emptyPipeline(f);
  const prepare = pipeline.addProcessing('Prepare', { command: ['python3', 'prepare.py'], inputs: { raw: pipeline.inputData }, outputs: ['train'] });
  const evaluate = pipeline.addEvaluation('Evaluate', { command: ['python3', 'evaluate.py'], model: prepare.output('train'), metrics: { auc: 'metrics.auc.value' } });
  const synth = () => Template.fromStack(f.stack);
  return { f, pipeline, prepare, evaluate, synth };
}

function fail(pipeline: TrainingPipeline) {
  return pipeline.addFail('Stop', { errorMessage: 'stop' });
}

describe('TrainingPipeline props', () => {
  test('rejects an image tag instead of a digest', () => {
    expect(() => emptyPipeline(fixture(), { imageDigest: '1.4.0' })).toThrow(/imageDigest \("1\.4\.0"\) must be an image digest \(sha256:<64 lowercase hex>\), not a tag/);
  });

  test('rejects a data prefix without its trailing slash, and names the construct path', () => {
    const f = fixture();
    expect(() => emptyPipeline(f, { data: { bucket: f.data, prefix: 'raw/fraud' } })).toThrow(/^S\/Training: data\.prefix \("raw\/fraud"\) must be a key prefix ending in "\/"/);
  });

  test('rejects an invalid pipeline name and code prefix, both at once', () => {
    expect(() => emptyPipeline(fixture(), { pipelineName: 'fraud_training', codePrefix: '/code' }))
      .toThrow(/codePrefix \("\/code"\)[\s\S]*pipelineName \("fraud_training"\)|pipelineName[\s\S]*codePrefix/);
  });
});

describe('TrainingPipeline steps', () => {
  // What TypeScript requires, missing as it is from JavaScript or an app run with --transpile-only: a clear error
  // naming the step and the property, not a TypeError from inside token resolution at synth.
  test.each<[string, (p: TrainingPipeline, pipeline: ReturnType<typeof base>) => unknown, RegExp]>([
    ['a registration without its evaluation', (p, b) => p.addRegistration('Register', { modelArtifacts: b.prepare.output('train') } as any),
      /^S\/Training: step "Register": evaluation is required \(the addEvaluation step/],
    ['a registration without anything', p => p.addRegistration('Register', {} as any),
      /step "Register": modelArtifacts is required .*; step "Register": evaluation is required/],
    ['a training step without channels', p => p.addTraining('Train', {} as any), /step "Train": channels is required/],
    ['a processing step without its command', p => p.addProcessing('Clean', {} as any), /step "Clean": command is required/],
    ['an evaluation without its model', p => p.addEvaluation('Score', { command: ['x'], metrics: {} } as any), /step "Score": model is required/],
    ['an evaluation without its command, model and metrics', p => p.addEvaluation('Score', {} as any),
      /step "Score": command is required .*; step "Score": model is required .*; step "Score": metrics is required/],
    ['a null property, as JavaScript may pass', p => p.addFail('Stop', { errorMessage: null } as any), /step "Stop": errorMessage is required/],
    ['a data quality check without its baseline', (p, b) => p.addDataQualityCheck('Check', { dataset: b.prepare.output('train') } as any),
      /step "Check": baselineStatisticsUri is required .*; step "Check": baselineConstraintsUri is required/],
    ['a condition without steps to run', p => p.addCondition('Gate', { conditions: [] } as any), /step "Gate": ifSteps is required/],
    ['a fail step without its message', p => p.addFail('Stop', {} as any), /step "Stop": errorMessage is required/],
  ])('rejects %s', (_what, add, message) => {
    const b = base();
    expect(() => add(b.pipeline, b)).toThrow(message);
  });

  test('duplicate step names', () => {
    const { pipeline } = base();
    expect(() => pipeline.addProcessing('Prepare', { command: ['x'] })).toThrow(/step name \("Prepare"\) duplicates a step of this pipeline \(a Processing step\)/);
  });

  test('step names SageMaker rejects', () => {
    const { pipeline } = base();
    expect(() => pipeline.addFail('Stop now', { errorMessage: 'x' })).toThrow(/step name \("Stop now"\) must be 1 to 64 letters/);
  });

  test('an output a processing step does not declare', () => {
    const { prepare } = base();
    expect(() => prepare.output('test')).toThrow(/Prepare\.output\("test"\): step "Prepare" has no output "test" \(outputs: "train"\)/);
  });

  test('a metric name absent from the evaluation output', () => {
    const { evaluate } = base();
    expect(() => evaluate.metric('f1')).toThrow(/the evaluation output of "Evaluate" has no metric "f1" \(metrics: "auc"\)/);
  });

  test('an evaluation without metrics', () => {
    const { pipeline } = base();
    expect(() => pipeline.addEvaluation('E2', { command: ['x'], model: 's3://b/m.tar.gz', metrics: {} })).toThrow(/E2: metrics is empty/);
  });

  test.each([
    ['a string', '0.9'],
    ['NaN', Number.NaN],
    ['a string parameter', PipelineParameter.string('MinAuc', '0.9')],
  ])('a threshold that is not a number: %s', (_what, threshold) => {
    const { pipeline, evaluate } = base();
    expect(() => pipeline.addCondition('Gate', {
      conditions: [{ metric: evaluate.metric('auc'), comparison: ComparisonOperator.GREATER_THAN, threshold: threshold as any }],
      ifSteps: [fail(pipeline)],
    })).toThrow(/Gate: conditions\[0\]\.threshold .*(is not a number|is the string parameter "MinAuc"); .*PipelineParameter\.float/);
  });

  test('spot training whose max wait is not greater than its max runtime', () => {
    const { pipeline } = base();
    expect(() => pipeline.addTraining('Train', { channels: { train: pipeline.inputData }, maxRuntime: Duration.hours(4), maxWait: Duration.hours(4) }))
      .toThrow(/Train: maxWait \(4 hours\) must be greater than maxRuntime \(4 hours\)/);
  });

  test('max wait on on-demand training', () => {
    const { pipeline } = base();
    expect(() => pipeline.addTraining('Train', { channels: { train: pipeline.inputData }, spot: false, maxWait: Duration.hours(4) }))
      .toThrow(/Train: maxWait \(4 hours\) applies to spot training only/);
  });

  test('instance types of unknown families, also as parameter defaults', () => {
    const { pipeline } = base();
    expect(() => pipeline.addTraining('Train', { channels: { train: pipeline.inputData }, instanceType: 'g5.2xlarge' }))
      .toThrow(/Train: instanceType \("g5\.2xlarge"\) is not a SageMaker instance type of a known family/);
    expect(() => pipeline.addProcessing('P2', { command: ['x'], instanceType: PipelineParameter.string('T', 'ml.zz9.large') }))
      .toThrow(/P2: instanceType \("ml\.zz9\.large"\)/);
  });

  test('baselines that are not s3 URIs', () => {
    const { pipeline, prepare } = base();
    expect(() => pipeline.addDataQualityCheck('Check', { ...BASELINE, dataset: prepare.output('train'), baselineConstraintsUri: 'constraints.json' }))
      .toThrow(/Check: baselineConstraintsUri \("constraints\.json"\) must be an s3:\/\/<bucket>\/<key> URI/);
  });

  test('a baseline in a bucket of the app (a token) is accepted and granted; a token URI without a key is not', () => {
    const { f, pipeline, prepare, synth } = base();
    const inBucket = (key: string) => `s3://${f.registry.artifactBucket.bucketName}/${key}`;
    pipeline.addDataQualityCheck('Check', {
      dataset: prepare.output('train'), baselineStatisticsUri: inBucket('b/statistics.json'), baselineConstraintsUri: inBucket('b/constraints.json'),
    });
    expect(JSON.stringify(synth().findResources('AWS::IAM::Policy'))).toContain('/b/constraints.json');
    expect(() => pipeline.addDataQualityCheck('Check2', {
      dataset: prepare.output('train'), baselineStatisticsUri: inBucket('b/statistics.json'), baselineConstraintsUri: `s3://${f.registry.artifactBucket.bucketName}`,
    })).toThrow(/Check2: baselineConstraintsUri/);
  });
});

describe('TrainingPipeline step graph (checked at synth)', () => {
  test('the full pipeline passes', () => {
    const f = fixture();
    fullPipeline(f);
    expect(() => Template.fromStack(f.stack)).not.toThrow();
  });

  test('an unknown step reference', () => {
    const { pipeline, synth } = base();
    pipeline.addFail('Stop', { errorMessage: 'x', dependsOn: ['Trian'] });
    expect(synth).toThrow(/step "Stop" depends on "Trian", which is not a step of this pipeline \(steps: Prepare, Evaluate, Stop\)/);
  });

  test('an output of a step of another pipeline', () => {
    const { f, pipeline, synth } = base();
    const other = emptyPipeline(f, { pipelineName: 'other' }, 'Other');
    const foreign = other.addProcessing('Foreign', { command: ['x'], outputs: ['o'] });
    pipeline.addTraining('Train', { channels: { train: foreign.output('o') } });
    expect(synth).toThrow(/step "Train" reads an output of step "Foreign", which is not a step of this pipeline/);
  });

  test('a cycle', () => {
    const { pipeline, synth } = base();
    pipeline.addFail('A', { errorMessage: 'a', dependsOn: ['B'] });
    pipeline.addFail('B', { errorMessage: 'b', dependsOn: ['A'] });
    expect(synth).toThrow(/the steps form a cycle: A -> B -> A/);
  });

  test('a cycle through a data reference', () => {
    const { pipeline, synth } = base();
    const p1 = pipeline.addProcessing('P1', { command: ['x'], outputs: ['o'], dependsOn: ['E'] });
    pipeline.addEvaluation('E', { command: ['x'], model: p1.output('o'), metrics: { auc: 'auc' } });
    expect(synth).toThrow(/the steps form a cycle: P1 -> E -> P1/);
  });

  test('a condition on a metric no step produces', () => {
    const { pipeline, synth } = base();
    pipeline.addCondition('Gate', {
      conditions: [{ metric: 'Evaluate.precision', comparison: ComparisonOperator.GREATER_THAN, threshold: 0.5 }],
      ifSteps: [fail(pipeline)],
    });
    expect(synth).toThrow(/condition "Gate": conditions\[0\]\.metric \("Evaluate\.precision"\) is a metric no step of this pipeline produces \(metrics: Evaluate\.auc\)/);
  });

  test('a condition on a metric named by step and metric resolves to the report', () => {
    const { f, pipeline } = base();
    pipeline.addCondition('Gate', {
      conditions: [{ metric: 'Evaluate.auc', comparison: ComparisonOperator.LESS_THAN, threshold: 0.5 }],
      ifSteps: [fail(pipeline)],
    });
    const body = JSON.stringify(Template.fromStack(f.stack).findResources('AWS::SageMaker::Pipeline'));
    expect(body).toContain('Steps.Evaluate.PropertyFiles.EvaluateReport');
  });

  test('a step in two branches', () => {
    const { pipeline, evaluate, synth } = base();
    const stop = fail(pipeline);
    const c = { metric: evaluate.metric('auc'), comparison: ComparisonOperator.GREATER_THAN, threshold: 0.5 };
    pipeline.addCondition('G1', { conditions: [c], ifSteps: [stop] });
    pipeline.addCondition('G2', { conditions: [c], ifSteps: [stop] });
    expect(synth).toThrow(/step "Stop" is in more than one condition branch \("G1" and "G2"\)/);
  });

  test('a parameter name declared twice with different defaults', () => {
    const { pipeline, synth } = base();
    pipeline.addTraining('T1', { channels: { train: pipeline.inputData }, instanceType: PipelineParameter.string('Type', 'ml.m5.xlarge') });
    pipeline.addTraining('T2', { channels: { train: pipeline.inputData }, instanceType: PipelineParameter.string('Type', 'ml.c5.xlarge') });
    expect(synth).toThrow(/parameter "Type" is declared twice with different types or defaults/);
  });

  test('a pipeline with no step', () => {
    const f = fixture();
    emptyPipeline(f);
    expect(() => Template.fromStack(f.stack)).toThrow(/the pipeline has no step/);
  });
});
