export * from '../src';
export * from './cost';
export * from './testing';
