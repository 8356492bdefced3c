export * from './errors';
export * from './tags';
export * from './cost-report';
export * from './registry';
export * from './project';
