import { Chart, Testing } from 'cdk8s';
import { CapacityStrategy, CpuNodePool, GpuNodePool, GpuTeam, PoolTenancy } from '../../../constructs/k8s';
import type { CostTags } from '../../../src/tags/tag-schema';

/** Every required key of the default schema. */
export const TAGS: CostTags = { 'team': 'fraud', 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod' };

/** The plain values the GPU cluster stack hands over. */
export const CLUSTER = { clusterName: 'mlops', nodeRoleName: 'mlops-karpenter-node' };

/** A fresh chart in a fresh app. */
export function newChart(): Chart {
  return new Chart(Testing.app(), 'Test', { disableResourceNameHashes: true });
}

/** The one synthesized object of `kind` (and `name`, when given); fails the test when there is not exactly one. */
export function objectOf(chart: Chart, kind: string, name?: string): any {
  const found = Testing.synth(chart).filter(o => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** The platform's own cost tags (team key: the platform team). */
export const PLATFORM_TAGS: CostTags = { ...TAGS, team: 'ml-platform' };

/**
 * A chart with two teams (fraud: at most 2 GPUs a container; recsys), a pool dedicated to each, a shared
 * on-demand serving pool and a shared CPU pool: what serving tests place work on.
 */
export function servingCluster() {
  const chart = newChart();
  const fraud = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 8, maxGpusPerContainer: 2 });
  const recsys = new GpuTeam(chart, 'Recsys', { name: 'recsys', costTags: { ...TAGS, team: 'recsys' }, maxGpus: 8 });
  const pools = { ...CLUSTER, instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 8 };
  const own = new GpuNodePool(chart, 'Own', { ...pools, name: 'fraud-training', tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS });
  const others = new GpuNodePool(chart, 'Others', {
    ...pools, name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' },
  });
  const serving = new GpuNodePool(chart, 'Serving', {
    ...pools, name: 'serving', tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS, capacityStrategy: CapacityStrategy.onDemandOnly(),
  });
  const cpu = new CpuNodePool(chart, 'Cpu', { ...CLUSTER, name: 'cpu', tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS });
  return { chart, fraud, recsys, own, others, serving, cpu, gpuPoolProps: pools };
}
