export * from './capacity-strategy';
export * from './gpu-node-pool';
export * from './gpu-team';
export * from './gpu-team-queues';
export * from './gpu-workload';
export * from './k8s-warnings';
