import { CAPACITY_TYPE_LABEL, NVIDIA_GPU_RESOURCE } from './labels';

/** A Kubernetes manifest as synthesized (`Testing.synth(chart)`, `chart.toJson()`, or parsed YAML). */
export type Manifest = { readonly kind?: string; readonly metadata?: any; readonly spec?: any; readonly [key: string]: any };

/** A node selector requirement (pod affinity or NodePool requirement). */
export interface LabelRequirement {
  /** Label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`. */
  readonly operator: string;
  /** Values (one integer for `Gt` and `Lt`, none for `Exists` and `DoesNotExist`). */
  readonly values?: readonly string[];
}

/** Where one workload can run, and why not when it cannot. */
export interface WorkloadPlacement {
  /** Whether the workload can start at all: admitted by Kueue (when queued) and matched by at least one NodePool. */
  readonly runnable: boolean;
  /** The Kueue flavors it can be admitted on, in the order Kueue tries them (empty when not queued). */
  readonly flavors: string[];
  /** Names of the Karpenter NodePools that can launch nodes for it, highest weight first. */
  readonly nodePools: string[];
  /** Why the workload cannot run, when `runnable` is false. */
  readonly reason?: string;
}

/** Options of {@link Placement.ofWorkload}. */
export interface PlacementOptions {
  /**
   * Namespace labels Kueue's `managedJobsNamespaceSelector` matches with `manageJobsWithoutQueueName` on: a Job
   * without a queue label in such a namespace is held by Kueue and never runs.
   *
   * @default - Kueue leaves unlabelled Jobs alone
   */
  readonly unqueuedJobsHeldIn?: { readonly matchLabels?: Record<string, string> };
}

// Labels Karpenter knows how to set on a node without a NodePool requirement for them: a pod may select any
// value (the offering decides). Any other key a NodePool does not declare never appears on its nodes.
const WELL_KNOWN = [
  'kubernetes.io/arch', 'kubernetes.io/os', 'kubernetes.io/hostname', 'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'topology.k8s.aws/zone-id', CAPACITY_TYPE_LABEL,
];
const WELL_KNOWN_PREFIX = 'karpenter.k8s.aws/instance-';
const ABSENT = Symbol('absent');
type Candidate = string | typeof ABSENT;

/**
 * A small model of how a workload finds nodes: Kueue's admission (LocalQueue → ClusterQueue → the first
 * ResourceFlavors whose quota, node labels and taints fit, which then add their node labels and tolerations to
 * the pods) and Karpenter's NodePool selection (every NodePool taint tolerated; the pod's node selector and
 * required node affinity satisfiable by the NodePool's template labels and requirements, with the operators In,
 * NotIn, Exists, DoesNotExist, Gt and Lt; a GPU request only on a pool that has GPUs; higher weight first).
 *
 * It answers "which pools can this workload land on, and who pays for them" from synthesized manifests, so a
 * test can assert the answer. It does not model running nodes, capacity, quota already in use, preferred
 * affinity, topology spread or CEL rules.
 *
 * @see https://karpenter.sh/docs/concepts/scheduling/
 * @see https://kueue.sigs.k8s.io/docs/concepts/resource_flavor/
 */
export class Placement {
  /**
   * Where the workload (a Job, Deployment, StatefulSet, Pod or KServe InferenceService manifest) can run,
   * given every other manifest of the cluster (NodePools, Kueue objects, Namespaces). For an InferenceService,
   * the pods are the predictor's, as KServe builds them.
   */
  public static ofWorkload(workload: Manifest, manifests: readonly Manifest[], options: PlacementOptions = {}): WorkloadPlacement {
    const podSpec = podSpecOf(workload);
    const namespace: string = workload.metadata?.namespace ?? 'default';
    const nodePools = manifests.filter(m => m.kind === 'NodePool');
    const queueName: string | undefined = workload.metadata?.labels?.['kueue.x-k8s.io/queue-name'];
    if (!queueName) {
      const nsLabels = namespaceLabels(manifests, namespace);
      if (workload.kind === 'Job' && options.unqueuedJobsHeldIn && selectorMatches(options.unqueuedJobsHeldIn, nsLabels)) {
        return { runnable: false, flavors: [], nodePools: [], reason: `Job without a queue label in managed namespace "${namespace}" is held by Kueue` };
      }
      const pools = Placement.nodePoolsFor(podSpec, nodePools);
      return { runnable: pools.length > 0, flavors: [], nodePools: pools, reason: pools.length > 0 ? undefined : 'no NodePool matches the pod' };
    }
    const flavors = Placement.admissibleFlavors(podSpec, namespace, queueName, manifests);
    if (typeof flavors === 'string') {
      return { runnable: false, flavors: [], nodePools: [], reason: flavors };
    }
    const pools = new Set<string>();
    const admitted: string[] = [];
    for (const flavor of flavors) {
      const admittedSpec = withFlavor(podSpec, flavor);
      const matched = Placement.nodePoolsFor(admittedSpec, nodePools);
      if (matched.length > 0) {
        admitted.push(flavor.metadata.name);
        matched.forEach(p => pools.add(p));
      }
    }
    const ordered = sortByWeight(nodePools.filter(p => pools.has(p.metadata.name)));
    return {
      runnable: ordered.length > 0,
      flavors: admitted,
      nodePools: ordered,
      reason: ordered.length > 0 ? undefined : `no flavor of queue "${queueName}" leads to a NodePool that matches the pod`,
    };
  }

  /** Names of the NodePools that can launch a node for a pod with `podSpec`, highest weight first. */
  public static nodePoolsFor(podSpec: any, nodePools: readonly Manifest[]): string[] {
    return sortByWeight(nodePools.filter(pool => poolAccepts(pool, podSpec)));
  }

  /**
   * The ResourceFlavors a queued pod can be admitted on, in the ClusterQueue's order, or why it cannot be
   * admitted at all.
   */
  public static admissibleFlavors(podSpec: any, namespace: string, queueName: string, manifests: readonly Manifest[]): Manifest[] | string {
    const localQueue = manifests.find(m => m.kind === 'LocalQueue' && m.metadata?.namespace === namespace && m.metadata?.name === queueName);
    if (!localQueue) {
      return `no LocalQueue "${queueName}" in namespace "${namespace}"`;
    }
    const clusterQueue = manifests.find(m => m.kind === 'ClusterQueue' && m.metadata?.name === localQueue.spec?.clusterQueue);
    if (!clusterQueue) {
      return `LocalQueue "${queueName}" points at ClusterQueue "${localQueue.spec?.clusterQueue}", which does not exist`;
    }
    if (!selectorMatches(clusterQueue.spec?.namespaceSelector ?? {}, namespaceLabels(manifests, namespace))) {
      return `ClusterQueue "${clusterQueue.metadata.name}" does not accept namespace "${namespace}"`;
    }
    const requests = podRequests(podSpec);
    const groups: any[] = clusterQueue.spec?.resourceGroups ?? [];
    const covered = new Set(groups.flatMap(g => g.coveredResources as string[]));
    const uncovered = Object.keys(requests).filter(r => requests[r] > 0 && !covered.has(r));
    if (uncovered.length > 0) {
      return `ClusterQueue "${clusterQueue.metadata.name}" covers no ${uncovered.join(', ')}`;
    }
    const out: Manifest[] = [];
    for (const group of groups) {
      for (const f of group.flavors ?? []) {
        const flavor = manifests.find(m => m.kind === 'ResourceFlavor' && m.metadata?.name === f.name);
        if (!flavor) {
          continue;
        }
        const fits = (group.coveredResources as string[]).every(r => {
          const res = (f.resources as any[]).find(x => x.name === r);
          const available = quantity(res?.nominalQuota) + quantity(res?.borrowingLimit);
          return (requests[r] ?? 0) <= available;
        });
        if (fits && flavorAccepts(flavor, podSpec)) {
          out.push(flavor);
        }
      }
    }
    return out.length > 0 ? out : `no flavor of ClusterQueue "${clusterQueue.metadata.name}" fits the pod's requests, node selection and tolerations`;
  }

  /** Whether `tolerations` tolerate `taint`, as the Kubernetes scheduler decides. */
  public static tolerates(tolerations: readonly any[], taint: { key: string; value?: string; effect: string }): boolean {
    return tolerations.some(t => {
      if (t.effect && t.effect !== taint.effect) {
        return false;
      }
      if (!t.key) {
        return t.operator === 'Exists';
      }
      if (t.key !== taint.key) {
        return false;
      }
      return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
    });
  }

  private constructor() {}
}

function podSpecOf(workload: Manifest): any {
  if (workload.kind === 'InferenceService') {
    return predictorPodSpec(workload.spec?.predictor ?? {});
  }
  return workload.kind === 'Pod' ? workload.spec : workload.spec?.template?.spec ?? workload.spec?.jobTemplate?.spec?.template?.spec ?? {};
}

/**
 * An InferenceService has no pod template: KServe's controller creates the Deployment (Standard mode) or the
 * Knative revision and copies the predictor's node selector, affinity and tolerations into its pod spec, with
 * the model's resources on the `kserve-container` (or the predictor's own containers when it lists them).
 */
function predictorPodSpec(predictor: any): any {
  const containers = predictor.containers ?? (predictor.model ? [{ name: 'kserve-container', resources: predictor.model.resources }] : []);
  return { containers, nodeSelector: predictor.nodeSelector, affinity: predictor.affinity, tolerations: predictor.tolerations };
}

function sortByWeight(pools: readonly Manifest[]): string[] {
  return [...pools].sort((a, b) => (b.spec?.weight ?? 0) - (a.spec?.weight ?? 0)).map(p => p.metadata.name);
}

function namespaceLabels(manifests: readonly Manifest[], namespace: string): Record<string, string> {
  const ns = manifests.find(m => m.kind === 'Namespace' && m.metadata?.name === namespace);
  return { ...ns?.metadata?.labels, 'kubernetes.io/metadata.name': namespace };
}

function selectorMatches(selector: { matchLabels?: Record<string, string>; matchExpressions?: any[] }, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(e => satisfies(e, k => (k in labels ? labels[k] : ABSENT)));
  return byLabels && byExpressions;
}

/** The pod's node constraints: the node selector AND one of the required affinity terms (none: no term). */
function podTerms(podSpec: any): LabelRequirement[][] {
  const selector: LabelRequirement[] = Object.entries(podSpec.nodeSelector ?? {}).map(([key, value]) => ({ key, operator: 'In', values: [value as string] }));
  const terms: any[] = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.length === 0 ? [selector] : terms.map(t => [...selector, ...(t.matchExpressions ?? [])]);
}

function poolAccepts(pool: Manifest, podSpec: any): boolean {
  const template = pool.spec?.template ?? {};
  const taints: any[] = template.spec?.taints ?? [];
  if (!taints.every(t => Placement.tolerates(podSpec.tolerations ?? [], t))) {
    return false;
  }
  if ((podRequests(podSpec)[NVIDIA_GPU_RESOURCE] ?? 0) > 0 && !poolHasGpus(pool)) {
    return false;
  }
  // What the pool's nodes can carry, per key: template labels are fixed values, requirements constrain.
  const poolRequirements: LabelRequirement[] = [
    ...Object.entries(template.metadata?.labels ?? {}).map(([key, value]) => ({ key, operator: 'In', values: [value as string] })),
    ...(template.spec?.requirements ?? []),
    { key: 'karpenter.sh/nodepool', operator: 'In', values: [pool.metadata.name] },
    { key: 'karpenter.k8s.aws/ec2nodeclass', operator: 'In', values: [template.spec?.nodeClassRef?.name ?? ''] },
  ];
  return podTerms(podSpec).some(term => compatible(poolRequirements, term, key => WELL_KNOWN.includes(key) || key.startsWith(WELL_KNOWN_PREFIX)));
}

function poolHasGpus(pool: Manifest): boolean {
  const requirements: any[] = pool.spec?.template?.spec?.requirements ?? [];
  return pool.spec?.limits?.[NVIDIA_GPU_RESOURCE] !== undefined ||
    requirements.some(r => r.key === 'karpenter.k8s.aws/instance-gpu-manufacturer' && r.operator === 'In' && r.values?.includes('nvidia'));
}

function flavorAccepts(flavor: Manifest, podSpec: any): boolean {
  const nodeLabels: Record<string, string> = flavor.spec?.nodeLabels ?? {};
  const added: any[] = flavor.spec?.tolerations ?? [];
  const taintsOk = (flavor.spec?.nodeTaints ?? []).every((t: any) =>
    t.effect === 'PreferNoSchedule' || Placement.tolerates(added, t) || Placement.tolerates(podSpec.tolerations ?? [], t));
  // Kueue checks the pod's node constraints only on the keys the flavor labels.
  const flavorRequirements = Object.entries(nodeLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  const keys = new Set(Object.keys(nodeLabels));
  const labelsOk = podTerms(podSpec).some(term => compatible(flavorRequirements, term.filter(r => keys.has(r.key)), () => false));
  return taintsOk && labelsOk;
}

function withFlavor(podSpec: any, flavor: Manifest): any {
  return {
    ...podSpec,
    nodeSelector: { ...flavor.spec?.nodeLabels, ...podSpec.nodeSelector },
    tolerations: [...(podSpec.tolerations ?? []), ...(flavor.spec?.tolerations ?? [])],
  };
}

/** Whether some node could satisfy both requirement lists: per key, some value (or its absence) fits all of them. */
function compatible(side: readonly LabelRequirement[], pod: readonly LabelRequirement[], unconstrained: (key: string) => boolean): boolean {
  const keys = new Set(pod.map(r => r.key));
  for (const key of keys) {
    const constraints = [...side.filter(r => r.key === key), ...pod.filter(r => r.key === key)];
    const declared = side.some(r => r.key === key);
    const values = constraints.flatMap(r => r.values ?? []);
    const numbers = values.map(Number).filter(n => Number.isFinite(n));
    const candidates: Candidate[] = [...values, ...numbers.flatMap(n => [String(n - 1), String(n + 1)]), '\u0000other', ABSENT];
    const ok = candidates.some(c => {
      // A key the pool neither labels nor constrains is absent from its nodes, unless Karpenter sets it itself.
      if (!declared && (c === ABSENT) !== !unconstrained(key)) {
        return false;
      }
      return constraints.every(r => satisfies(r, () => c));
    });
    if (!ok) {
      return false;
    }
  }
  return true;
}

function satisfies(r: LabelRequirement, valueOf: (key: string) => Candidate): boolean {
  const v = valueOf(r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return v !== ABSENT && values.includes(v);
    case 'NotIn': return v === ABSENT || !values.includes(v);
    case 'Exists': return v !== ABSENT;
    case 'DoesNotExist': return v === ABSENT;
    case 'Gt': return v !== ABSENT && Number.isFinite(Number(v)) && Number(v) > Number(values[0]);
    case 'Lt': return v !== ABSENT && Number.isFinite(Number(v)) && Number(v) < Number(values[0]);
    default: throw new Error(`unknown node selector operator "${r.operator}"`);
  }
}

/** What the pod's containers request, by resource (a limit without a request counts as the request). */
function podRequests(podSpec: any): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of podSpec.containers ?? []) {
    const resources = { ...c.resources?.limits, ...c.resources?.requests };
    for (const [name, value] of Object.entries(resources)) {
      out[name] = (out[name] ?? 0) + quantity(value);
    }
  }
  return out;
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number (`"500m"` → 0.5, `"4Gi"` → 4294967296); undefined → 0. */
function quantity(value: unknown): number {
  if (value === undefined || value === null) {
    return 0;
  }
  if (typeof value === 'number') {
    return value;
  }
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(String(value));
  if (!match) {
    throw new Error(`not a quantity: ${String(value)}`);
  }
  return Number(match[1]) * (match[2] ? SUFFIX[match[2]] ?? NaN : 1);
}
