export * from './errors';
export * from './tags';
