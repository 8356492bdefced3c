import { CapacityStrategy } from '../../constructs/k8s/capacity-strategy';
import { MlopsStackError } from '../../src/errors';
import type { CostTags, TagSchema } from '../../src/tags';

/**
 * One team on the cluster: its namespace, a GPU pool of its own (billed to it) and its Kueue quota there.
 */
export interface TeamConfig {
  /**
   * The team's name: its namespace, its ClusterQueue and LocalQueue, its pool (`<name>-training`) and the value
   * of the schema's team tag on everything it runs, so a DNS-1123 label (`fraud`, `recsys`).
   */
  readonly name: string;

  /**
   * NVIDIA GPU instance families of the team's pool, e.g. `['g6']` (L4) or `['p4d', 'p4de']` (A100).
   *
   * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html
   */
  readonly instanceFamilies: string[];

  /**
   * Instance sizes of the team's pool.
   *
   * @default - every size of the families
   */
  readonly instanceSizes?: string[];

  /**
   * Most `nvidia.com/gpu` the team's pool runs at once (Karpenter stops launching there).
   *
   * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
   */
  readonly gpuLimit: number;

  /** Kueue nominal quota of the team on spot capacity of its pool, in GPUs. */
  readonly spotGpus: number;

  /** Kueue nominal quota of the team on on-demand capacity of its pool (the fallback), in GPUs. */
  readonly onDemandGpus: number;

  /**
   * Most GPUs the team's pods may request at once (the namespace ResourceQuota).
   *
   * @default - `gpuLimit`
   */
  readonly maxGpus?: number;

  /**
   * How the team's pool buys capacity.
   *
   * @default CapacityStrategy.spotWithOnDemandFallback()
   */
  readonly capacityStrategy?: CapacityStrategy;

  /**
   * Cost tags of the team that differ from the platform's (e.g. its own `cost-center`). The team key is the
   * team's `name`; another value is an error.
   *
   * @default - the platform's tags with the team key set to `name`
   */
  readonly costTags?: CostTags;
}

/**
 * What the example needs to know about the existing cluster, and what it renders. Plain values: nothing here
 * loads aws-cdk-lib.
 */
export interface K8sManifestsConfig {
  /**
   * Name of the EKS cluster (Karpenter's `settings.clusterName`).
   *
   * @default 'mlops-gpu', or `MLOPS_CLUSTER_NAME`
   */
  readonly clusterName?: string;

  /**
   * Name of the IAM role Karpenter gives the nodes it launches (the role of Karpenter's getting-started
   * CloudFormation, or your own). Karpenter's controller must be allowed to pass it.
   *
   * @default - `KarpenterNodeRole-<clusterName>` (Karpenter's getting-started naming), or `MLOPS_NODE_ROLE_NAME`
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specrole
   */
  readonly nodeRoleName?: string;

  /**
   * Value of the `karpenter.sh/discovery` tag on the private subnets and the security group the nodes use.
   *
   * @default - the cluster name, or `MLOPS_DISCOVERY_TAG_VALUE`
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsubnetselectorterms
   */
  readonly discoveryTagValue?: string;

  /**
   * Cost tags of the platform: every required key of the tag schema, the team key being the platform team's.
   * Each team's pool, namespace and queue get them with the team key set to the team.
   *
   * @default DEFAULT_PLATFORM_COST_TAGS
   */
  readonly platformCostTags?: CostTags;

  /**
   * The tag schema (the one the cost report groups by).
   *
   * @default TagSchema.DEFAULT
   */
  readonly tagSchema?: TagSchema;

  /**
   * The teams; at least one.
   *
   * @default DEFAULT_TEAMS (fraud and recsys)
   */
  readonly teams?: readonly TeamConfig[];

  /**
   * Also render one GPU smoke-test Job per team (`nvidia-smi` on one GPU, through the team's queue), to check
   * on the cluster that each team's work lands on its own pool. Applying them launches a GPU node per team.
   *
   * @default false, or `MLOPS_EXAMPLE_WORKLOADS=true`
   */
  readonly exampleWorkloads?: boolean;

  /**
   * Image of the smoke-test Jobs; it must have `nvidia-smi` (the NVIDIA container runtime mounts it into CUDA
   * images).
   *
   * @default 'nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04', or `MLOPS_EXAMPLE_IMAGE`
   */
  readonly exampleImage?: string;
}

/** The cluster name when neither the config nor `MLOPS_CLUSTER_NAME` gives one. */
export const DEFAULT_CLUSTER_NAME = 'mlops-gpu';

/** Image of the smoke-test Jobs when neither the config nor `MLOPS_EXAMPLE_IMAGE` gives one. */
export const DEFAULT_EXAMPLE_IMAGE = 'nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04';

/** Where the manifests go when `CDK8S_OUTDIR` is not set, relative to the working directory. */
export const DEFAULT_OUTDIR = 'dist/k8s-manifests';

/** The platform's cost tags in the default tag schema. */
export const DEFAULT_PLATFORM_COST_TAGS: CostTags = {
  'team': 'ml-platform',
  'project': 'mlops-platform',
  'cost-center': 'cc-4200',
  'environment': 'prod',
};

/**
 * Two teams, each paying for its own GPUs: `fraud` on L4s (g6) in one pool that buys spot first and falls back
 * to on-demand, `recsys` on A100s (p4d, p4de) in a weighted pair of pools (spot tried first, on-demand with its
 * own, lower GPU limit).
 */
export const DEFAULT_TEAMS: readonly TeamConfig[] = [
  {
    name: 'fraud',
    instanceFamilies: ['g6'],
    instanceSizes: ['xlarge', '2xlarge', '4xlarge', '12xlarge'],
    gpuLimit: 16,
    spotGpus: 8,
    onDemandGpus: 4,
  },
  {
    name: 'recsys',
    instanceFamilies: ['p4d', 'p4de'],
    gpuLimit: 32,
    spotGpus: 16,
    onDemandGpus: 8,
    capacityStrategy: CapacityStrategy.weightedSpotAndOnDemand({ onDemandGpuLimit: 16 }),
  },
];

/** The environment variables the app reads, and the config field or setting each one sets. */
export const ENVIRONMENT_VARIABLES = {
  MLOPS_CLUSTER_NAME: 'clusterName',
  MLOPS_NODE_ROLE_NAME: 'nodeRoleName',
  MLOPS_DISCOVERY_TAG_VALUE: 'discoveryTagValue',
  MLOPS_EXAMPLE_WORKLOADS: 'exampleWorkloads',
  MLOPS_EXAMPLE_IMAGE: 'exampleImage',
  CDK8S_OUTDIR: 'the output directory',
} as const;

/** What {@link readEnvironment} found. */
export interface EnvironmentSettings {
  /** `config` with the values the environment sets. */
  readonly config: K8sManifestsConfig;
  /** Directory the manifests are written to. */
  readonly outdir: string;
}

/**
 * `config` with the cluster facts and options the environment sets (see {@link ENVIRONMENT_VARIABLES}), and the
 * output directory. A variable that is set must have a value: an empty one (a failed `$(...)` in a CI script)
 * is an error, never a silent fallback to a default that names another cluster's role.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, config: K8sManifestsConfig = {}): EnvironmentSettings {
  const problems: string[] = [];
  const value = (name: keyof typeof ENVIRONMENT_VARIABLES): string | undefined => {
    const v = env[name];
    if (v !== undefined && v.trim() === '') {
      problems.push(`${name} is set but empty; give it a value for ${ENVIRONMENT_VARIABLES[name]} or unset it`);
      return undefined;
    }
    return v?.trim();
  };
  const clusterName = value('MLOPS_CLUSTER_NAME');
  const nodeRoleName = value('MLOPS_NODE_ROLE_NAME');
  const discoveryTagValue = value('MLOPS_DISCOVERY_TAG_VALUE');
  const workloads = value('MLOPS_EXAMPLE_WORKLOADS');
  const exampleImage = value('MLOPS_EXAMPLE_IMAGE');
  const outdir = value('CDK8S_OUTDIR');
  if (workloads !== undefined && !['true', 'false'].includes(workloads)) {
    problems.push(`MLOPS_EXAMPLE_WORKLOADS ("${workloads}") must be "true" or "false"`);
  }
  if (problems.length > 0) {
    throw new MlopsStackError(`invalid environment:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    config: {
      ...config,
      ...(clusterName !== undefined ? { clusterName } : {}),
      ...(nodeRoleName !== undefined ? { nodeRoleName } : {}),
      ...(discoveryTagValue !== undefined ? { discoveryTagValue } : {}),
      ...(workloads !== undefined ? { exampleWorkloads: workloads === 'true' } : {}),
      ...(exampleImage !== undefined ? { exampleImage } : {}),
    },
    outdir: outdir ?? DEFAULT_OUTDIR,
  };
}
