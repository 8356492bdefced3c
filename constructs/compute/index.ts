export * from './gpu-cluster';
export * from './karpenter-interruption-queue';
export * from './training-pod-identity';
