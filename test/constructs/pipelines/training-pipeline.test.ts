import type { CfnElement } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BASELINE, DIGEST, definitionOf, emptyPipeline, fixture, fullPipeline, stepOf } from './fixtures';
import { TrainingDistribution } from '../../../constructs';

function build() {
  const f = fixture();
  const parts = fullPipeline(f);
  const template = Template.fromStack(f.stack);
  const lid = (c: CfnElement) => f.stack.getLogicalId(c);
  return { f, ...parts, template, definition: definitionOf(template), lid };
}

const TAGS = [
  { Key: 'team', Value: 'fraud' }, { Key: 'project', Value: 'recsys' }, { Key: 'cost-center', Value: 'cc-4200' },
  { Key: 'environment', Value: 'prod' }, { Key: 'model', Value: 'fraud-scoring' }, { Key: 'pipeline', Value: 'fraud-training' },
];

describe('TrainingPipeline definition', () => {
  test('is version 2020-12-01 with the parameters the steps use, each with its default', () => {
    const { definition, lid, f } = build();
    expect(definition.Version).toBe('2020-12-01');
    expect(definition.Parameters).toEqual([
      { Name: 'InputDataUri', Type: 'String', DefaultValue: `s3://<${lid(f.data.node.defaultChild as CfnElement)}>/raw/fraud/`, Description: 'S3 URI of the training data' },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.g5.12xlarge' },
      { Name: 'MinAuc', Type: 'Float', DefaultValue: 0.9 },
    ]);
  });

  test('lists the top-level steps in order and nests the branches in the condition', () => {
    const { definition } = build();
    expect(definition.Steps.map((s: any) => [s.Name, s.Type])).toEqual([
      ['Prepare', 'Processing'], ['CheckData', 'QualityCheck'], ['Train', 'Training'], ['Evaluate', 'Processing'], ['QualityGate', 'Condition'],
    ]);
    const gate = stepOf(definition, 'QualityGate');
    expect(gate.Arguments.IfSteps.map((s: any) => [s.Name, s.Type])).toEqual([['Register', 'RegisterModel']]);
    expect(gate.Arguments.ElseSteps).toEqual([{ Name: 'BelowThreshold', Type: 'Fail', Arguments: { ErrorMessage: 'AUC below MinAuc: the model was not registered' } }]);
  });

  test('processing reads the data parameter and code, writes per-execution outputs with the key, in the VPC, tagged', () => {
    const { definition, lid, f, pipeline } = build();
    const prepare = stepOf(definition, 'Prepare').Arguments;
    const key = `<${lid(f.registry.encryptionKey.node.defaultChild as CfnElement)}.Arn>`;
    const bucket = `<${lid(f.registry.artifactBucket.node.defaultChild as CfnElement)}>`;
    expect(prepare.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['code', `s3://${bucket}/models/fraud-scoring/code/1.4.0/`, '/opt/ml/processing/input/code'],
      ['raw', { Get: 'Parameters.InputDataUri' }, '/opt/ml/processing/input/raw'],
    ]);
    expect(prepare.ProcessingOutputConfig.KmsKeyId).toBe(key);
    expect(prepare.ProcessingOutputConfig.Outputs[0]).toEqual({
      OutputName: 'train',
      S3Output: {
        S3Uri: { 'Std:Join': { On: '/', Values: [`s3://${bucket}/models/fraud-scoring/pipelines/fraud-training`, { Get: 'Execution.PipelineExecutionId' }, 'Prepare', 'train'] } },
        LocalPath: '/opt/ml/processing/output/train',
        S3UploadMode: 'EndOfJob',
      },
    });
    expect(prepare.ProcessingResources.ClusterConfig).toEqual({ InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30, VolumeKmsKeyId: key });
    expect(prepare.AppSpecification.ImageUri).toMatch(new RegExp(`/<${lid(f.registry.model('fraud-scoring').repository.node.defaultChild as CfnElement)}>@${DIGEST}$`));
    expect(prepare.RoleArn).toBe(`<${lid(pipeline.jobRole.node.defaultChild as CfnElement)}.Arn>`);
    expect(prepare.NetworkConfig).toEqual({
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      VpcConfig: {
        SecurityGroupIds: [`<${lid(pipeline.securityGroup.node.defaultChild as CfnElement)}.GroupId>`],
        Subnets: f.vpc.privateSubnets.map(s => `<${lid(s.node.defaultChild as CfnElement)}>`),
      },
    });
    expect(prepare.Tags).toEqual(TAGS);
  });

  test('the data quality check profiles the prepared data with the analyzer and fails on violations of the baseline', () => {
    const { definition } = build();
    const check = stepOf(definition, 'CheckData');
    expect(check).toMatchObject({
      CheckType: 'DATA_QUALITY',
      ModelPackageGroupName: 'fraud-scoring',
      SkipCheck: false,
      RegisterNewBaseline: false,
      SuppliedBaselineStatistics: BASELINE.baselineStatisticsUri,
      SuppliedBaselineConstraints: BASELINE.baselineConstraintsUri,
    });
    expect(check.Arguments.AppSpecification.ImageUri).toMatch(/\/sagemaker-model-monitor-analyzer:latest$/);
    expect(check.Arguments.ProcessingInputs[0].S3Input.S3Uri).toEqual({ Get: "Steps.Prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri" });
    expect(check.Arguments.Environment).toEqual({
      dataset_format: '{"csv":{"header":true,"output_columns_position":"START"}}',
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
    });
  });

  test('GPU training runs on managed spot with checkpoints under the model prefix, distributed over 2 instances', () => {
    const { definition, lid, f } = build();
    const train = stepOf(definition, 'Train');
    const bucket = `<${lid(f.registry.artifactBucket.node.defaultChild as CfnElement)}>`;
    expect(train.DependsOn).toEqual(['CheckData']);
    expect(train.Arguments.EnableManagedSpotTraining).toBe(true);
    expect(train.Arguments.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 8 * 3600, MaxWaitTimeInSeconds: 16 * 3600 });
    expect(train.Arguments.CheckpointConfig).toEqual({
      S3Uri: { 'Std:Join': { On: '/', Values: [`s3://${bucket}/models/fraud-scoring/pipelines/fraud-training`, { Get: 'Execution.PipelineExecutionId' }, 'Train', 'checkpoints'] } },
      LocalPath: '/opt/ml/checkpoints',
    });
    // ml.g5 has NVMe instance storage only: SageMaker rejects a volume key there.
    expect(train.Arguments.ResourceConfig).toEqual({ InstanceCount: 2, InstanceType: { Get: 'Parameters.TrainingInstanceType' }, VolumeSizeInGB: 50 });
    expect(train.Arguments.HyperParameters).toEqual({ epochs: '10', sagemaker_torch_distributed_enabled: 'true' });
    expect(train.Arguments.EnableInterContainerTrafficEncryption).toBe(true);
    expect(train.Arguments.InputDataConfig.map((c: any) => c.ChannelName)).toEqual(['code', 'train', 'validation']);
    expect(train.Arguments.OutputDataConfig.KmsKeyId).toBe(`<${lid(f.registry.encryptionKey.node.defaultChild as CfnElement)}.Arn>`);
  });

  test('evaluation declares its report as a property file that the condition reads against the threshold parameter', () => {
    const { definition } = build();
    const evaluate = stepOf(definition, 'Evaluate');
    expect(evaluate.PropertyFiles).toEqual([{ PropertyFileName: 'EvaluateReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }]);
    expect(evaluate.Arguments.ProcessingInputs.find((i: any) => i.InputName === 'model').S3Input.S3Uri).toEqual({ Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' });
    expect(stepOf(definition, 'QualityGate').Arguments.Conditions).toEqual([{
      Type: 'GreaterThanOrEqualTo',
      LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluateReport' }, Path: 'metrics.auc.value' } },
      RightValue: { Get: 'Parameters.MinAuc' },
    }]);
  });

  test('registration is pending manual approval, with the metrics, drift baselines and lineage', () => {
    const { definition } = build();
    const args = stepOf(definition, 'Register').Arguments;
    expect(args.ModelPackageGroupName).toBe('fraud-scoring');
    expect(args.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(args.InferenceSpecification.Containers).toEqual([{ Image: expect.stringMatching(new RegExp(`@${DIGEST}$`)), ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }]);
    expect(args.ModelMetrics.ModelQuality.Statistics).toEqual({
      ContentType: 'application/json',
      S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, 'evaluation.json'] } },
    });
    expect(args.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri).toEqual({ Get: 'Steps.CheckData.BaselineUsedForDriftCheckStatistics' });
    expect(args.MetadataProperties).toEqual({ GeneratedBy: { Get: 'Execution.PipelineExecutionArn' } });
    expect(args.CustomerMetadataProperties).toEqual({
      'training-data': { Get: 'Parameters.InputDataUri' },
      'image': expect.stringMatching(new RegExp(`@${DIGEST}$`)),
      'source-code': expect.stringMatching(/\/models\/fraud-scoring\/code\/1\.4\.0\/$/),
      'pipeline-execution': { Get: 'Execution.PipelineExecutionArn' },
    });
  });

  test('CPU training is on-demand, keeps the volume key and has no checkpoint; spot: false opts a GPU job out', () => {
    const f = fixture();
    const pipeline = emptyPipeline(f);
    pipeline.addTraining('Cpu', { channels: { train: pipeline.inputData }, instanceType: 'ml.m5.xlarge' });
    pipeline.addTraining('OnDemandGpu', { channels: { train: pipeline.inputData }, instanceType: 'ml.p3.2xlarge', spot: false, maxRuntime: Duration.hours(1) });
    const definition = definitionOf(Template.fromStack(f.stack));
    for (const name of ['Cpu', 'OnDemandGpu']) {
      const args = stepOf(definition, name).Arguments;
      expect(args.EnableManagedSpotTraining).toBe(false);
      expect(args.CheckpointConfig).toBeUndefined();
      expect(args.StoppingCondition.MaxWaitTimeInSeconds).toBeUndefined();
      expect(args.ResourceConfig.VolumeKmsKeyId).toBeDefined();
      expect(args.EnableNetworkIsolation).toBe(true);
    }
  });

  test('a single-instance GPU job defaults to spot with max wait twice the runtime; MPI sets its processes per host', () => {
    const f = fixture();
    const pipeline = emptyPipeline(f);
    pipeline.addTraining('Gpu', { channels: { train: pipeline.inputData }, maxRuntime: Duration.hours(2) });
    pipeline.addTraining('Mpi', { channels: { train: pipeline.inputData }, instanceType: 'ml.p4d.24xlarge', instanceCount: 4, distribution: TrainingDistribution.mpi(8) });
    const definition = definitionOf(Template.fromStack(f.stack));
    expect(stepOf(definition, 'Gpu').Arguments).toMatchObject({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
      ResourceConfig: { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1 },
    });
    expect(stepOf(definition, 'Mpi').Arguments.HyperParameters).toEqual({ sagemaker_mpi_enabled: 'true', sagemaker_mpi_num_of_processes_per_host: '8' });
  });
});

describe('TrainingPipeline resources', () => {
  test('the pipeline resource is named, runs as the pipeline role and is tagged to the model owner', () => {
    const { template, pipeline, lid } = build();
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineName: 'fraud-training',
      RoleArn: { 'Fn::GetAtt': [lid(pipeline.role.node.defaultChild as CfnElement), 'Arn'] },
      // Tags come sorted by key.
      Tags: Match.arrayWith([{ Key: 'model', Value: 'fraud-scoring' }, { Key: 'pipeline', Value: 'fraud-training' }, { Key: 'team', Value: 'fraud' }]),
    });
  });

  test('a default pipeline name is lowercase, as SageMaker spells it in the ARN the policies name', () => {
    const f = fixture();
    const pipeline = emptyPipeline(f, { pipelineName: undefined });
    pipeline.addFail('Noop', { errorMessage: 'x' });
    expect(pipeline.pipelineName).toMatch(/^s-training-[a-z0-9]+$/);
    Template.fromStack(f.stack).hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineName: pipeline.pipelineName });
  });

  test('the pipeline role starts and stops jobs, passes only the job role, and registers in the model group only', () => {
    const { template, pipeline, lid } = build();
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: lid(pipeline.role.node.defaultChild as CfnElement) }] } }))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    const text = JSON.stringify(statements);
    expect(statements).toContainEqual({
      Action: 'iam:PassRole',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [lid(pipeline.jobRole.node.defaultChild as CfnElement), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    expect(text).toContain('sagemaker:CreateTrainingJob');
    expect(text).toContain('sagemaker:CreateModelPackage');
    expect(text).toContain(':model-package/fraud-scoring/*');
    expect(text).not.toContain('sagemaker:UpdateModelPackage');
    expect(text).not.toMatch(/"(s3|sagemaker|iam):\*"/);
  });

  test('the job role reads the data prefix and baselines, writes under the model prefix only, and has no managed policy', () => {
    const { template, pipeline, lid } = build();
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: lid(pipeline.jobRole.node.defaultChild as CfnElement) }] } }))[0] as any;
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const text = JSON.stringify(statements);
    expect(text).toContain('/raw/fraud/*');
    expect(text).toContain(':s3:::baselines-bucket/fraud-scoring/statistics.json');
    const puts = statements.filter(s => [s.Action].flat().includes('s3:PutObject'));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0].Resource)).toContain('/models/fraud-scoring/*');
    expect(text).toContain('sagemaker-model-monitor-analyzer');
    expect(text).not.toMatch(/"s3:\*"|"s3:GetObject\*"|"sagemaker:\*"/);
    expect(template.toJSON().Resources[lid(pipeline.jobRole.node.defaultChild as CfnElement)].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the job security group allows HTTPS out and, for distributed training, traffic within itself only', () => {
    const { template, pipeline, lid } = build();
    const sg = lid(pipeline.securityGroup.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: { 'Fn::GetAtt': [sg, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [sg, 'GroupId'] }, IpProtocol: '-1' });
  });

  test('a single-instance pipeline opens no traffic between jobs', () => {
    const f = fixture();
    const pipeline = emptyPipeline(f);
    pipeline.addTraining('Train', { channels: { train: pipeline.inputData } });
    Template.fromStack(f.stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});
