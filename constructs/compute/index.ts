export * from './gpu-cluster';
export * from './karpenter-interruption-queue';
