export * from './errors';
export * from './metrics';
export * from './decision';
export * from './gate';
