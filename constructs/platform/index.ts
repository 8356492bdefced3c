export * from './mlops-platform';
export * from './platform-charts';
