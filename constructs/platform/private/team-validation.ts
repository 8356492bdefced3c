// No aws-cdk-lib here: PlatformCharts runs this with cdk8s alone.
import { quotedList } from './names';
import type { TagSchema } from '../../../src/tags/tag-schema';
import { CapacityStrategyKind, type CapacityStrategy } from '../../k8s/capacity-strategy';
import { nonGpuFamilyReason } from '../../k8s/private/gpu-families';
import { dnsLabelProblem, INT32_MAX } from '../../k8s/private/k8s-values';
import type { ClusterPoolsConfig, TeamConfig } from '../platform-charts';

/** What the teams are checked against. */
export interface TeamCheckInput {
  readonly teams: readonly TeamConfig[];
  /** The platform team's name (billed for shared pools; not a team of `teams`). */
  readonly platformTeam: string;
  /** The cluster's shared pools, or undefined when the platform has no GPU cluster. */
  readonly cluster: ClusterPoolsConfig | undefined;
  readonly schema: TagSchema;
}

const WHOLE = (prop: string, value: number | undefined, min: number): string | undefined =>
  value === undefined || (Number.isInteger(value) && value >= min && value <= INT32_MAX)
    ? undefined
    : `${prop} (${value}) must be a whole number from ${min} to ${INT32_MAX}`;

/**
 * Every problem of the teams' configuration and the cluster's shared pools, each naming its path in the
 * configuration (`teams[1].pools[0].gpuLimit`), the value and what is allowed.
 */
export function teamProblems(input: TeamCheckInput): string[] {
  const { teams, schema, cluster } = input;
  const problems: string[] = [];
  const push = (p: string | undefined) => {
    if (p) {
      problems.push(p);
    }
  };

  // Pool names are node labels, taints and Kueue flavor names: unique across the whole cluster.
  const poolPaths = new Map<string, string>();
  const dedicatedTo = new Map<string, string>();
  const poolName = (path: string, name: string) => {
    push(dnsLabelProblem(`${path}.name`, name));
    const first = poolPaths.get(name);
    if (first) {
      problems.push(`${path}.name ("${name}") is also the name of ${first}; pool names are node labels, taints and Kueue flavor ` +
        'names, so each pool needs its own');
    } else {
      poolPaths.set(name, path);
    }
  };
  const gpuPool = (path: string, pool: { name: string; gpuLimit: number; instanceFamilies: string[] }) => {
    poolName(path, pool.name);
    if (!Number.isInteger(pool.gpuLimit) || pool.gpuLimit < 1 || pool.gpuLimit > INT32_MAX) {
      problems.push(`${path}.gpuLimit (${pool.gpuLimit}) must be a whole number from 1 to ${INT32_MAX}: it is the most GPUs the pool ` +
        'runs at once, and a pool without GPUs cannot run GPU work');
    }
    if (!pool.instanceFamilies || pool.instanceFamilies.length === 0) {
      problems.push(`${path}.instanceFamilies is empty; list the NVIDIA GPU families the pool may launch, e.g. ['g6']`);
    }
    (pool.instanceFamilies ?? []).forEach((family, k) => {
      const reason = nonGpuFamilyReason(family);
      if (reason) {
        problems.push(`${path}.instanceFamilies[${k}] ("${family}") is not an NVIDIA GPU instance family (${reason}); use GPU families ` +
          'such as g5, g6, g6e, p4d, p5');
      }
    });
  };

  const shared = cluster?.sharedPools ?? [];
  const cpu = cluster?.cpuPools ?? [];
  teams.forEach((team, i) => (team.pools ?? []).forEach((p, j) => {
    gpuPool(`teams[${i}].pools[${j}]`, p);
    dedicatedTo.set(p.name, team.name);
  }));
  shared.forEach((p, j) => gpuPool(`gpuCluster.sharedPools[${j}]`, p));
  cpu.forEach((p, j) => poolName(`gpuCluster.cpuPools[${j}]`, p.name));
  const sharedNames = shared.map(p => p.name);
  const cpuNames = cpu.map(p => p.name);

  const names = new Map<string, number>();
  teams.forEach((team, i) => {
    const at = `teams[${i}]`;
    for (const p of schema.problems({ [schema.teamKey]: team.name })) {
      problems.push(`${at}.name ("${team.name}") is not a valid team: ${p.message}`);
    }
    if (team.name === input.platformTeam) {
      problems.push(`${at}.name ("${team.name}") is the platform team (platformTeam.name), which is billed for the shared ` +
        'services and listed there only; give the team its own name');
    }
    const first = names.get(team.name);
    if (first !== undefined) {
      problems.push(`${at}.name ("${team.name}") duplicates teams[${first}].name; list each team once`);
    } else {
      names.set(team.name, i);
    }
    if (team.budget) {
      const limit = team.budget.monthlyLimitUsd;
      if (!Number.isFinite(limit) || limit <= 0) {
        problems.push(`${at}.budget.monthlyLimitUsd (${limit}) must be greater than 0 (US dollars a month)`);
      }
    }

    if (!cluster) {
      for (const prop of ['pools', 'sharedPools', 'cpuQuota', 'maxGpus', 'namespace'] as const) {
        const value = team[prop];
        if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
          problems.push(`${at}.${prop}: this platform has no gpuCluster (SageMaker only), so teams have no pools, quotas or ` +
            `namespaces; remove ${prop} or configure gpuCluster`);
        }
      }
      return;
    }

    push(dnsLabelProblem(`${at}.name`, team.name));
    (team.pools ?? []).forEach((p, j) => {
      const path = `${at}.pools[${j}].quota`;
      if (p.quota) {
        quotaProblems(path, p.quota, p.capacityStrategy, problems);
      }
    });
    (team.sharedPools ?? []).forEach((q, k) => {
      const path = `${at}.sharedPools[${k}]`;
      if (!sharedNames.includes(q.pool)) {
        const owner = dedicatedTo.get(q.pool);
        problems.push(owner !== undefined
          ? `${path}.pool ("${q.pool}") is dedicated to team "${owner}"; a team may use its own pools and the shared ones ` +
            `(gpuCluster.sharedPools: ${quotedList(sharedNames)})`
          : `${path}.pool ("${q.pool}") is not a shared pool of the platform; shared pools (gpuCluster.sharedPools): ${quotedList(sharedNames)}`);
      }
      const strategy = shared.find(p => p.name === q.pool)?.capacityStrategy;
      quotaProblems(path, q, strategy, problems);
      push(WHOLE(`${path}.borrowingLimitGpus`, q.borrowingLimitGpus, 0));
    });
    if (team.cpuQuota) {
      const path = `${at}.cpuQuota`;
      if (!cpuNames.includes(team.cpuQuota.pool)) {
        problems.push(`${path}.pool ("${team.cpuQuota.pool}") is not a CPU pool of the platform; CPU pools (gpuCluster.cpuPools): ${quotedList(cpuNames)}`);
      }
      push(WHOLE(`${path}.spotCpus`, team.cpuQuota.spotCpus, 1));
      push(WHOLE(`${path}.onDemandCpus`, team.cpuQuota.onDemandCpus, 1));
      if (team.cpuQuota.spotCpus === undefined && team.cpuQuota.onDemandCpus === undefined) {
        problems.push(`${path} gives no quota; set spotCpus and/or onDemandCpus`);
      }
    }
    if (team.maxGpus !== undefined) {
      push(WHOLE(`${at}.maxGpus`, team.maxGpus, 1));
      if (!hasClusterWork(team)) {
        problems.push(`${at}.maxGpus (${team.maxGpus}) is given, but the team has no pool and no quota, so it gets no namespace; ` +
          'give it pools, sharedPools or cpuQuota, or remove maxGpus');
      }
    } else if (hasClusterWork(team) && (team.pools ?? []).length === 0 && defaultMaxGpus(team) === 0) {
      // With pools of its own the ceiling is their limits, each checked above.
      problems.push(`${at}.maxGpus is needed: the team has no GPU pool and no nominal GPU quota, so its namespace's GPU ceiling ` +
        'has nothing to default to; set maxGpus (at least 1)');
    }
    if (team.namespace && !hasClusterWork(team)) {
      problems.push(`${at}.namespace is given, but the team has no pool and no quota, so it gets no namespace; give it pools, ` +
        'sharedPools or cpuQuota, or remove namespace');
    }
  });
  return problems;
}

function quotaProblems(path: string, quota: { spotGpus?: number; onDemandGpus?: number }, strategy: CapacityStrategy | undefined,
  problems: string[]): void {
  for (const prop of ['spotGpus', 'onDemandGpus'] as const) {
    const p = WHOLE(`${path}.${prop}`, quota[prop], 1);
    if (p) {
      problems.push(p);
    }
  }
  if (quota.spotGpus === undefined && quota.onDemandGpus === undefined) {
    problems.push(`${path} gives no quota; set spotGpus and/or onDemandGpus`);
  }
  if (quota.spotGpus !== undefined && strategy?.kind === CapacityStrategyKind.ON_DEMAND_ONLY) {
    problems.push(`${path}.spotGpus (${quota.spotGpus}) is spot quota on a pool that buys on-demand only ` +
      '(CapacityStrategy.onDemandOnly()); work admitted there would never get a node: give onDemandGpus instead');
  }
}

/** Whether a team has anything on the cluster: a pool of its own or a quota on a shared one. */
export function hasClusterWork(team: TeamConfig): boolean {
  return (team.pools?.length ?? 0) > 0 || (team.sharedPools?.length ?? 0) > 0 || team.cpuQuota !== undefined;
}

/** A team's GPU ceiling when it gives none: its own pools' limits, else its nominal shared quota. */
export function defaultMaxGpus(team: TeamConfig): number {
  const own = (team.pools ?? []).reduce((sum, p) => sum + p.gpuLimit, 0);
  if (own > 0) {
    return own;
  }
  return (team.sharedPools ?? []).reduce((sum, q) => sum + (q.spotGpus ?? 0) + (q.onDemandGpus ?? 0), 0);
}
