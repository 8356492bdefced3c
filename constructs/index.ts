export * from '../src';
export * from './cost';
export * from './registry';
export * from './testing';
