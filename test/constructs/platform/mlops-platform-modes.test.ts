import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { allResources, full, platformOf, sagemakerOnly, TAGS, tagOf, twoTeams } from './fixtures';
import { MlopsPlatform } from '../../../constructs';
import { describeViolations, synthWithNag } from '../../harness/validators';

const types = (platform: MlopsPlatform) => [...new Set(Object.values(allResources(platform)).map(r => r.Type))].sort();
const EKS = /^(AWS::EKS::|Custom::AWSCDK-EKS-)/;
const SAGEMAKER = /^AWS::(SageMaker|ECR|CodePipeline)::/;

describe('SageMaker only (no gpuCluster)', () => {
  const { app, platform } = platformOf(sagemakerOnly());

  test('no EKS resource in any stack, and no cluster, charts or cluster stack', () => {
    expect(types(platform).filter(t => EKS.test(t))).toEqual([]);
    expect([platform.gpuCluster, platform.charts, platform.k8sApp, platform.gpuClusterStack]).toEqual([undefined, undefined, undefined, undefined]);
    expect(platform.stacks.map(s => s.stackName)).toEqual(['MlopsSharedServices', 'MlopsRegistry', 'MlopsNetwork', 'MlopsServing', 'MlopsTraining']);
  });

  test('the pipeline and the endpoint still run in a VPC: the one of the network stack', () => {
    expect(Stack.of(platform.vpc!).stackName).toBe('MlopsNetwork');
    const imported = (stack: Stack) => JSON.stringify(Template.fromStack(stack).toJSON()).match(/MlopsNetwork:ExportsOutputRefVpcPrivateSubnet\w+/g) ?? [];
    expect(imported(platform.servingStack!).length).toBeGreaterThan(0);
    expect(imported(platform.trainingStack!).length).toBeGreaterThan(0);
    Template.fromStack(platform.networkStack!).resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('two teams, each with its own budget; the model\'s pipeline and endpoint billed to its team', () => {
    expect(Object.keys(platform.costGuardrails!.budgets)).toEqual(['fraud', 'recsys']);
    const resources = allResources(platform);
    const billed = Object.values(resources).filter(r => ['AWS::SageMaker::Pipeline', 'AWS::SageMaker::Endpoint'].includes(r.Type));
    expect(billed.map(r => [r.Type, tagOf(r, 'team')])).toEqual([['AWS::SageMaker::Endpoint', 'fraud'], ['AWS::SageMaker::Pipeline', 'fraud']]);
  });

  test('every stateful resource is retained, the network\'s flow logs too', () => {
    const stateful = Object.entries(allResources(platform)).filter(([, r]) => ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::ECR::Repository'].includes(r.Type));
    expect(stateful.map(([id]) => id)).toEqual(expect.arrayContaining(['MlopsNetwork/FlowLogsKey895A70D5', 'MlopsNetwork/FlowLogs16C1943A']));
    expect(stateful.filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain')).toEqual([]);
  });

  test('it synthesizes with every cost tag in place', () => {
    expect(() => app.synth()).not.toThrow();
  });

  test('a VPC of yours is used, and no network stack is made', () => {
    const app2 = platformOf(sagemakerOnly()).app;
    const shared = new Stack(app2, 'Network');
    const vpc = new ec2.Vpc(shared, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const p = new MlopsPlatform(app2, 'Other', { ...sagemakerOnly(), vpc });
    expect([p.networkStack, p.vpc]).toEqual([undefined, vpc]);
    expect(p.stacks.map(s => s.stackName)).not.toContain('OtherNetwork');
  });

  test('cdk-nag AWS Solutions checks: no unacknowledged finding', () => {
    const result = synthWithNag(scope => new MlopsPlatform(scope, 'Mlops', sagemakerOnly()));
    expect(describeViolations(result.violations)).toBe('');
    expect(result.assembly?.stacks.length).toBe(5);
  });
});

describe('Kubernetes only', () => {
  const { app, platform } = platformOf({
    tags: TAGS,
    platformTeam: { name: 'ml-platform' },
    teams: twoTeams(),
    gpuCluster: {},
    kubernetesOnly: true,
    costGuardrails: { subscribers: ['finops@example.com'] },
  });

  test('no SageMaker, ECR or CodePipeline resource, no registry', () => {
    expect(types(platform).filter(t => SAGEMAKER.test(t))).toEqual([]);
    expect([platform.registry, platform.registryStack, platform.servingStack, platform.trainingStack]).toEqual(Array(4).fill(undefined));
    expect(platform.stacks.map(s => s.stackName)).toEqual(['MlopsSharedServices', 'MlopsGpuCluster']);
  });

  test('the cluster with each team\'s pool, namespace and queue, and the teams\' budgets', () => {
    expect(Object.keys(platform.charts!.gpuPools)).toEqual(['fraud-training', 'recsys-training']);
    expect(Object.keys(platform.charts!.queuesByTeam)).toEqual(['fraud', 'recsys']);
    expect(Object.keys(platform.chartManifests)).toEqual(['GpuNodePools', 'GpuTeams', 'GpuQueues']);
    expect(Object.keys(platform.costGuardrails!.budgets)).toEqual(['fraud', 'recsys']);
  });

  test('it synthesizes with every cost tag in place', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('parts of a full platform', () => {
  test('a team with neither a pool nor a quota gets a budget but no namespace', () => {
    const { platform } = platformOf(full({ teams: [...twoTeams(), { name: 'analytics', budget: { monthlyLimitUsd: 1_000 } }] }));
    expect(Object.keys(platform.charts!.gpuTeams)).toEqual(['fraud', 'recsys']);
    expect(Object.keys(platform.costGuardrails!.budgets)).toEqual(['fraud', 'recsys', 'analytics']);
  });

  test('shared pools, billed to the platform team, and the teams\' quotas on them', () => {
    const { platform } = platformOf(full({
      teams: twoTeams().map(t => ({ ...t, sharedPools: [{ pool: 'shared-l40s', spotGpus: 2, borrowingLimitGpus: 2 }], cpuQuota: { pool: 'cpu', spotCpus: 32 } })),
      gpuCluster: { sharedPools: [{ name: 'shared-l40s', instanceFamilies: ['g6e'], gpuLimit: 8 }], cpuPools: [{ name: 'cpu' }] },
    }));
    const charts = platform.charts!;
    expect(Object.entries(charts.gpuPools).map(([n, p]) => [n, p.billedTo])).toEqual([
      ['fraud-training', 'fraud'], ['recsys-training', 'recsys'], ['shared-l40s', 'ml-platform'],
    ]);
    expect(charts.cpuPools.cpu.billedTo).toBe('ml-platform');
    // Own pool first, then the shared one, then CPU.
    expect(charts.queuesByTeam.recsys.flavors.map(f => f.flavorName)).toEqual(['recsys-training-spot', 'shared-l40s-spot', 'cpu-spot']);
  });

  test('the cluster\'s warnings (from the charts) are annotations on the cluster', () => {
    const { app, platform } = platformOf(full({
      teams: [{ name: 'fraud', pools: [{ name: 'fraud-training', instanceFamilies: ['g6'], instanceSizes: ['xlarge'], gpuLimit: 4 }] }],
      costGuardrails: undefined,
    }));
    app.synth();
    const warnings = platform.gpuCluster!.node.metadata.filter(m => m.type === 'aws:cdk:warning').map(m => String(m.data));
    expect(warnings).toEqual([expect.stringMatching(/allow a single instance type for spot capacity/)]);
  });
});
