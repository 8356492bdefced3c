/**
 * Label and taint keys the library puts on nodes, namespaces and pods. They carry no cost-attribution meaning
 * (the tag schema's labels do that); they say which pool a node belongs to and which namespaces are a team's.
 * Kept free of imports so the aws-cdk-lib side (the GPU cluster's add-on values) can use them too.
 */

/** The extended resource the NVIDIA device plugin advertises. */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

/** Karpenter's well-known label for spot / on-demand capacity. */
export const CAPACITY_TYPE_LABEL = 'karpenter.sh/capacity-type';

/**
 * Node label and taint key naming the pool a node belongs to (its value is the pool name). Every pool taints
 * its nodes `mlops-stack.io/pool=<name>:NoSchedule`, so a pod lands on a pool only when it tolerates that pool
 * by name: pools are mutually exclusive by construction.
 */
export const POOL_LABEL = 'mlops-stack.io/pool';

/** Node label naming the AMI family (`al2023` or `bottlerocket`), so add-ons can stay off one of them. */
export const AMI_FAMILY_LABEL = 'mlops-stack.io/ami-family';

/**
 * Namespace label that marks a team namespace (`"true"`). Kueue's `managedJobsNamespaceSelector` and the
 * cluster's admission settings select team namespaces by it, whatever the tag schema calls the team key.
 */
export const TEAM_NAMESPACE_LABEL = 'mlops-stack.io/team-namespace';

/**
 * Namespace annotation: `"true"` (the default on team namespaces) keeps the namespace, and what it holds,
 * when it leaves the chart or the stack; `GpuCluster.addWorkloadChart` applies such namespaces in a retained
 * manifest that never prunes.
 */
export const RETAIN_ANNOTATION = 'mlops-stack.io/retain';
