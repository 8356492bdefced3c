import { Annotations, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cdk8s from 'cdk8s';
import type { Construct } from 'constructs';
import { GpuClusterStack } from './gpu-cluster-stack';
import { buildGpuWorkloads } from './gpu-workloads';
import { RegistryStack } from './registry-stack';
import { EndpointStageStack } from './endpoint-stage-stack';
import { ServingStack } from './serving-stack';
import { TrainingStack } from './training-stack';
// Capabilities, not the library's barrel: `cdk synth` loads only what the example uses.
import { BillingExport, CostAllocationTags, CostAttribution, CostGuardrails, CostReportSchedule } from '../../constructs/cost';
import { K8sWarnings } from '../../constructs/k8s';

/**
 * The shared-services stack of the platform: what the platform team runs for every team.
 */
export class PlatformStack extends Stack {
  /** Where cost anomalies and budget alerts are published (the scheduled cost report posts here too). */
  public readonly costAlerts: sns.ITopic;
  /** Per-team budgets, anomaly monitors and the cost category of the teams. */
  public readonly costGuardrails: CostGuardrails;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.costGuardrails = new CostGuardrails(this, 'CostGuardrails', {
      teams: {
        'fraud': { monthlyLimitUsd: 20_000 },
        'recsys': { monthlyLimitUsd: 45_000, forecastedThresholdsPercent: [110] },
        'ml-platform': { monthlyLimitUsd: 30_000 },
      },
      subscribers: ['finops@example.com'],
      anomalyAlerts: { absoluteImpactUsd: 250, percentImpact: 25 },
      costCategory: { name: 'Team', financeNames: { 'fraud': 'Fraud Detection', 'recsys': 'Recommendations', 'ml-platform': 'ML Platform' } },
    });
    this.costAlerts = this.costGuardrails.topic;
    // Cost Explorer groups only by active cost allocation tags: activate the schema's keys (payer account).
    new CostAllocationTags(this, 'CostAllocationTags');
    // CUR 2.0 with resource IDs and EKS split cost allocation: the per-pod cost of shared GPU nodes.
    new BillingExport(this, 'BillingExport');
    // Monday mornings: last year's per-team report to S3, its Markdown summary to the cost topic.
    new CostReportSchedule(this, 'CostReport', {
      topic: this.costAlerts,
      schedule: 'cron(0 7 ? * MON *)',
      timeZone: TimeZone.EUROPE_BERLIN,
      monthsOfHistory: 12,
    });
  }
}

/**
 * Build the full example platform into `scope` (an App or a Stage): cost attribution for every resource,
 * then each stack. Env-agnostic, so it synthesizes with no AWS account or credentials.
 */
export function buildPlatform(scope: Construct): Stack[] {
  CostAttribution.apply(scope, {
    tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' },
  });

  const platform = new PlatformStack(scope, 'MlopsPlatform', {
    description: 'MLOps platform: shared services (mlops-stack example)',
  });
  CostAttribution.apply(platform, { tags: { team: 'ml-platform' } });

  const registry = new RegistryStack(scope, 'MlopsRegistry', {
    description: 'MLOps platform: model registry (mlops-stack example)',
  });
  CostAttribution.apply(registry, { tags: { team: 'ml-platform' } });

  const gpu = new GpuClusterStack(scope, 'MlopsGpuCluster', {
    description: 'MLOps platform: GPU compute on EKS (mlops-stack example)',
  });
  CostAttribution.apply(gpu, { tags: { team: 'ml-platform' } });
  addGpuWorkloads(gpu);

  // Billed to the team that owns the served model (fraud), which the endpoint takes from the registry.
  const serving = new ServingStack(scope, 'MlopsServing', {
    description: 'MLOps platform: model serving (mlops-stack example)',
    registry: registry.registry,
    vpc: gpu.gpuCluster.vpc,
  });
  CostAttribution.apply(serving, { tags: { team: 'ml-platform' } });

  // Deployed by the promotion pipeline with an approved package version, not by `cdk deploy`.
  const stageProps = { registry: registry.registry, vpc: gpu.gpuCluster.vpc };
  const staging = new EndpointStageStack(scope, 'FraudScoringStaging', {
    ...stageProps, endpointName: 'fraud-scoring-staging', production: false,
    description: 'MLOps platform: fraud-scoring staging endpoint, deployed by its promotion (mlops-stack example)',
  });
  const production = new EndpointStageStack(scope, 'FraudScoringProduction', {
    ...stageProps, endpointName: 'fraud-scoring-production', production: true,
    description: 'MLOps platform: fraud-scoring production endpoint, deployed by its promotion (mlops-stack example)',
  });
  for (const s of [staging, production]) {
    CostAttribution.apply(s, { tags: { team: 'ml-platform' } });
  }

  const training = new TrainingStack(scope, 'MlopsTraining', {
    description: 'MLOps platform: model training (mlops-stack example)',
    registry: registry.registry,
    vpc: gpu.gpuCluster.vpc,
    cluster: gpu.gpuCluster.cluster,
    drift: serving.fraudDrift,
    promotionStages: { staging, production },
  });
  CostAttribution.apply(training, { tags: { team: 'ml-platform' } });

  return [platform, registry, gpu, serving, training, staging, production];
}

/**
 * The teams' node pools, namespaces and queues, applied to the cluster after the CRDs they use. Each team's
 * pool is tagged with that team, so Karpenter-launched instances are billed to it; the example workloads are
 * the teams' to deploy, not the platform's.
 */
function addGpuWorkloads(gpu: GpuClusterStack): void {
  const cluster = gpu.gpuCluster;
  const k8sApp = new cdk8s.App();
  const charts = buildGpuWorkloads(k8sApp, {
    clusterName: cluster.clusterName,
    nodeRoleName: cluster.nodeRoleName,
    discoveryTagValue: cluster.discoveryTagValue,
    costTags: CostAttribution.tagsOf(gpu),
    tagSchema: CostAttribution.schemaOf(gpu),
  });
  cluster.addWorkloadChart('GpuNodePools', charts.nodePools);
  const teams = cluster.addWorkloadChart('GpuTeams', charts.teams);
  // Team queues live in the team namespaces.
  cluster.addWorkloadChart('GpuQueues', charts.queues).node.addDependency(teams);
  // cdk8s has no annotations: surface the charts' warnings where `cdk synth` shows them.
  for (const w of K8sWarnings.of(k8sApp)) {
    Annotations.of(cluster).addWarningV2(w.id, w.message);
  }
}
