export * from './data-quality-monitor';
export * from './deployment-guardrail';
export * from './model-endpoint';
export * from './model-source';
export * from './serving-instance-type';
