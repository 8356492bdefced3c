export * from './errors';
export * from './parse';
export * from './reader';
export * from './request';
export * from './throttle';
export * from './anomaly-findings';
export * from './caller-account';
export * from './root-causes';
