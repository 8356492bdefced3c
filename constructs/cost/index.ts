export * from './cost-attribution';
