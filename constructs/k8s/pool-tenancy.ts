/** Which kind of tenancy a {@link PoolTenancy} is. */
export enum PoolTenancyKind {
  /** The pool serves one team and is billed to it. */
  DEDICATED = 'dedicated',
  /** The pool serves every team that lists it and is billed to its owner (usually the platform team). */
  SHARED = 'shared',
}

/**
 * Who may run on a node pool, and so who pays for it.
 *
 * Every pool taints its nodes with its own name (`mlops-stack.io/pool=<name>:NoSchedule`), so only pods that
 * tolerate that pool by name land there; the library gives that toleration only to the teams the tenancy
 * allows (through their Kueue flavors or `GpuWorkload.requestGpus({ pool })`), and fails synthesis when a team
 * is wired to a pool it may not use.
 *
 * - A **dedicated** pool runs one team's work only, and its instances carry that team's cost tags: the team
 *   pays for what it runs.
 * - A **shared** pool runs the work of every team that lists it, and its instances carry the owner's cost tags
 *   (the `costTags` of the pool, typically the platform team's): the owner pays, and per-team cost of shared
 *   nodes needs split cost allocation data, not tags.
 */
export class PoolTenancy {
  /**
   * The pool belongs to one team: only that team's work runs there, and the pool's instances are billed to it.
   *
   * @param team the team's name (its `GpuTeam` name and cost tag value)
   */
  public static dedicated(team: string): PoolTenancy {
    return new PoolTenancy(PoolTenancyKind.DEDICATED, team);
  }

  /** The pool is shared by every team that lists it and billed to the pool's owner (its `costTags`). */
  public static shared(): PoolTenancy {
    return new PoolTenancy(PoolTenancyKind.SHARED);
  }

  private constructor(
    /** Dedicated or shared. */
    public readonly kind: PoolTenancyKind,
    /** The team of a dedicated pool; undefined for a shared pool. */
    public readonly team?: string,
  ) {}

  /** Whether `team` may run work on a pool of this tenancy. */
  public allows(team: string): boolean {
    return this.kind === PoolTenancyKind.SHARED || this.team === team;
  }

  /** `dedicated to team "fraud"` or `shared`, for messages. */
  public describe(): string {
    return this.kind === PoolTenancyKind.SHARED ? 'shared' : `dedicated to team "${this.team}"`;
  }
}
