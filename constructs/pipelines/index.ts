export * from './model-promotion';
