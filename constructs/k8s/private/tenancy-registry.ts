import type { IConstruct } from 'constructs';
import type { PoolTenancy } from '../pool-tenancy';

/** What the registry needs of a pool. */
export interface RegisteredPool extends IConstruct {
  readonly poolName: string;
  readonly nodePoolNames: string[];
  readonly tenancy: PoolTenancy;
}

/** What the registry needs of a team. */
export interface RegisteredTeam extends IConstruct {
  readonly name: string;
  /** Mark `poolName` as a pool the team's namespace may use. */
  allowPool(poolName: string): void;
}

interface Registry {
  readonly pools: Map<string, RegisteredPool>;
  readonly teams: Map<string, RegisteredTeam>;
}

// Per app (construct tree root): pool and team names must be unique in it, and each team namespace lists the
// pools it may use whichever of the two is constructed first.
const REGISTRIES = new WeakMap<IConstruct, Registry>();

/** The pools and teams of the app `scope` belongs to. */
export function registryOf(scope: IConstruct): Registry {
  const root = scope.node.root;
  let registry = REGISTRIES.get(root);
  if (!registry) {
    registry = { pools: new Map(), teams: new Map() };
    REGISTRIES.set(root, registry);
  }
  return registry;
}

/** Record a pool and let every team it allows use it. */
export function registerPool(pool: RegisteredPool): void {
  const registry = registryOf(pool);
  registry.pools.set(pool.poolName, pool);
  for (const team of registry.teams.values()) {
    if (pool.tenancy.allows(team.name)) {
      team.allowPool(pool.poolName);
    }
  }
}

/** Record a team and let it use every pool that allows it. */
export function registerTeam(team: RegisteredTeam): void {
  const registry = registryOf(team);
  registry.teams.set(team.name, team);
  for (const pool of registry.pools.values()) {
    if (pool.tenancy.allows(team.name)) {
      team.allowPool(pool.poolName);
    }
  }
}
