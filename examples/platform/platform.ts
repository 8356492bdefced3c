import { type Stack, TimeZone } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FRAUD_SCORING_PROMOTION } from './endpoint-stage-stack';
import { GPU_CLUSTER } from './gpu-cluster-stack';
import { buildTeamWorkloads } from './gpu-workloads';
import { addRegistryOutputs, REGISTRY } from './registry-stack';
import { FRAUD_SCORING_ENDPOINT } from './serving-stack';
import { PLATFORM_TEAM, TEAMS } from './teams';
import { FRAUD_SCORING_CLUSTER_TRAINING, FRAUD_SCORING_TRAINING } from './training-stack';
// The platform capability, not the library's barrel: `cdk synth` loads only what the example uses.
import { MlopsPlatform } from '../../constructs/platform';

const described = (part: string) => ({ description: `MLOps platform: ${part} (mlops-stack example)` });

/**
 * The full example platform, from one configuration: shared services (per-team budgets, anomaly alerts, the
 * finance cost category, tag activation, the CUR 2.0 export, the weekly cost report), the model registry, the
 * GPU cluster with the teams' pools, namespaces and queues (teams.ts, gpu-cluster-stack.ts), serving
 * (serving-stack.ts), training (training-stack.ts) and the promotion with its endpoint stacks
 * (endpoint-stage-stack.ts). Env-agnostic, so it synthesizes with no AWS account or credentials.
 *
 * The stacks keep the names of the hand-composed example this replaces (`MlopsPlatform` for the shared services,
 * `FraudScoringStaging` and `FraudScoringProduction` for the stages), and the parts keep their construct ids.
 */
export function buildExamplePlatform(scope: Construct): MlopsPlatform {
  const platform = new MlopsPlatform(scope, 'Mlops', {
    tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' },
    platformTeam: PLATFORM_TEAM,
    teams: TEAMS,
    costGuardrails: {
      subscribers: ['finops@example.com'],
      anomalyAlerts: { absoluteImpactUsd: 250, percentImpact: 25 },
      costCategory: { name: 'Team' },
    },
    // CUR 2.0 with resource IDs and EKS split cost allocation: the per-pod cost of shared GPU nodes.
    billingExport: true,
    // Monday mornings: last year's per-team report to S3, its Markdown summary to the cost topic.
    costReport: { schedule: 'cron(0 7 ? * MON *)', timeZone: TimeZone.EUROPE_BERLIN, monthsOfHistory: 12 },
    registry: REGISTRY,
    gpuCluster: GPU_CLUSTER,
    models: [
      {
        name: 'fraud-scoring',
        description: 'Card-not-present fraud scoring (gradient-boosted trees)',
        team: 'fraud',
        endpoint: FRAUD_SCORING_ENDPOINT,
        training: FRAUD_SCORING_TRAINING,
        promotion: FRAUD_SCORING_PROMOTION,
        clusterTraining: FRAUD_SCORING_CLUSTER_TRAINING,
      },
      { name: 'churn-forecast', description: 'Subscriber churn forecast, retrained weekly', untaggedImagesToKeep: 5 },
    ],
    stacks: {
      sharedServices: { stackName: 'MlopsPlatform', ...described('shared services') },
      registry: described('model registry'),
      gpuCluster: described('GPU compute on EKS'),
      serving: described('model serving'),
      training: described('model training'),
    },
  });
  // Customization through the parts: outputs on the registry stack, and the teams' example workloads built in the
  // cluster's cdk8s app against the platform's pools and teams (not applied: teams deploy their own).
  addRegistryOutputs(platform);
  buildTeamWorkloads(platform.k8sApp!, platform.charts!);
  return platform;
}

/** The example platform's stacks (see {@link buildExamplePlatform}). */
export function buildPlatform(scope: Construct): Stack[] {
  return buildExamplePlatform(scope).stacks;
}
