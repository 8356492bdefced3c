export * from './model-promotion';
export * from './pipeline-values';
export * from './pipeline-steps';
export * from './training-pipeline';
