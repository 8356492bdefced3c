import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { App, Chart, Duration, Size, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  DEFAULT_CLUSTER_NAME,
  DEFAULT_EXAMPLE_IMAGE,
  DEFAULT_PLATFORM_COST_TAGS,
  DEFAULT_TEAMS,
  type K8sManifestsConfig,
} from './config';
import { GpuNodePool, GpuTeam, GpuTeamQueues, GpuWorkload, PoolTenancy } from '../../constructs/k8s';
// Only cdk8s and the tag schema: the manifests are for a cluster CDK did not create, and no aws-cdk-lib is loaded.
import { MlopsStackError } from '../../src/errors';
import { TagSchema } from '../../src/tags';

/**
 * The charts of the example, in the order they are written (`0000-teams.k8s.yaml`, ...) and must be applied.
 */
export interface K8sManifestsCharts {
  /**
   * Team namespaces (Pod Security admission labels, cost labels), their quotas, limit ranges and RBAC, and the
   * admission policy that holds each team namespace to its own pools. Core kinds only; every namespace comes
   * before the objects in it.
   */
  readonly teams: Chart;
  /** A Karpenter EC2NodeClass and NodePool(s) per team, billed to the team (needs Karpenter's CRDs). */
  readonly nodePools: Chart;
  /** Kueue priority classes, a ResourceFlavor per pool and capacity type, and each team's ClusterQueue and LocalQueue. */
  readonly queues: Chart;
  /** One GPU smoke-test Job per team, when `exampleWorkloads` is on. */
  readonly workloads?: Chart;
}

/**
 * The team-tenancy manifests for an existing EKS cluster that runs Karpenter and Kueue: per team a namespace,
 * a GPU pool of its own whose instances, volumes and nodes carry the team's cost tags, and a Kueue queue with
 * quota on that pool, spot first and on-demand as fallback.
 */
export function buildK8sManifests(app: App, config: K8sManifestsConfig = {}): K8sManifestsCharts {
  const schema = config.tagSchema ?? TagSchema.DEFAULT;
  const platformTags = config.platformCostTags ?? DEFAULT_PLATFORM_COST_TAGS;
  const clusterName = config.clusterName ?? DEFAULT_CLUSTER_NAME;
  const cluster = {
    clusterName,
    nodeRoleName: config.nodeRoleName ?? `KarpenterNodeRole-${clusterName}`,
    discoveryTagValue: config.discoveryTagValue,
    tagSchema: schema,
  };
  const teamConfigs = config.teams ?? DEFAULT_TEAMS;
  if (teamConfigs.length === 0) {
    throw new MlopsStackError('teams must not be empty: the manifests are per team; leave teams out for the two example teams or list yours');
  }

  // Chart dependencies make cdk8s number the files in this order, so `kubectl apply -f <dir>` (which reads
  // files in name order) creates the namespaces before the queues and jobs in them.
  const teams = new Chart(app, 'teams', { disableResourceNameHashes: true });
  const nodePools = new Chart(app, 'node-pools', { disableResourceNameHashes: true });
  nodePools.addDependency(teams);
  const queues = new Chart(app, 'queues', { disableResourceNameHashes: true });
  queues.addDependency(nodePools);
  const kueue = new GpuTeamQueues(queues, 'Kueue', { costTags: platformTags, tagSchema: schema });

  const built = teamConfigs.map(t => {
    // The team's own tags last: a team key in them that is not the team's name fails synthesis, never silently wins.
    const costTags = { ...schema.forTeam(platformTags, t.name), ...t.costTags };
    const team = new GpuTeam(teams, t.name, { name: t.name, costTags, tagSchema: schema, maxGpus: t.maxGpus ?? t.gpuLimit });
    const pool = new GpuNodePool(nodePools, t.name, {
      ...cluster,
      name: `${t.name}-training`,
      tenancy: PoolTenancy.dedicated(t.name),
      costTags,
      instanceFamilies: t.instanceFamilies,
      instanceSizes: t.instanceSizes,
      gpuLimit: t.gpuLimit,
      capacityStrategy: t.capacityStrategy,
    });
    kueue.addTeam(team, { gpuPools: [{ pool, spotGpus: t.spotGpus, onDemandGpus: t.onDemandGpus }] });
    return team;
  });

  if (!config.exampleWorkloads) {
    return { teams, nodePools, queues };
  }
  const workloads = new Chart(app, 'example-workloads', { disableResourceNameHashes: true });
  workloads.addDependency(queues);
  const image = config.exampleImage ?? DEFAULT_EXAMPLE_IMAGE;
  for (const team of built) {
    const job = new kplus.Job(workloads, team.name, {
      metadata: { name: `${team.name}-gpu-smoke-test` },
      ttlAfterFinished: Duration.hours(1),
      backoffLimit: 0,
      containers: [{
        name: 'nvidia-smi',
        image,
        command: ['nvidia-smi'],
        resources: { cpu: { request: kplus.Cpu.millis(500) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } },
        // Within the namespace's `restricted` warning level, so the smoke test shows what team jobs should look like.
        securityContext: {
          ensureNonRoot: true,
          user: 65534,
          group: 65534,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      }],
    });
    GpuWorkload.requestGpus(job, { gpus: 1, team, priorityClassName: 'experiment' });
  }
  return { teams, nodePools, queues, workloads };
}

/** Extension of the files cdk8s writes, and the only files {@link writeK8sManifests} removes. */
export const MANIFEST_EXTENSION = '.k8s.yaml';

/**
 * Synthesize the example into `outdir`, one YAML file per chart, numbered in apply order, and return the file
 * names. Manifests a previous run left there (`*.k8s.yaml`) are removed first, so a team or the example
 * workloads taken out of the config are not applied again from a stale file; nothing else in `outdir` is touched.
 */
export function writeK8sManifests(config: K8sManifestsConfig, outdir: string): string[] {
  // Bad input throws here, before anything in outdir is removed.
  const app = new App({ outdir, outputFileExtension: MANIFEST_EXTENSION, yamlOutputType: YamlOutputType.FILE_PER_CHART });
  buildK8sManifests(app, config);
  if (existsSync(outdir)) {
    for (const file of readdirSync(outdir).filter(f => f.endsWith(MANIFEST_EXTENSION))) {
      rmSync(path.join(outdir, file));
    }
  }
  app.synth();
  return readdirSync(outdir).filter(f => f.endsWith(MANIFEST_EXTENSION)).sort();
}
