export * from './model';
export * from './amount';
