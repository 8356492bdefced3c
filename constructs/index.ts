export * from '../src';
export * from './compute';
export * from './cost';
export * from './registry';
export * from './testing';
