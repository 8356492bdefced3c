export * from '../src';
export * from './compute';
export * from './cost';
export * from './k8s';
export * from './pipelines';
export * from './registry';
export * from './serving';
export * from './testing';
