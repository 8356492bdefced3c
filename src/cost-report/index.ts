export * from './model';
export * from './amount';
export * from './anomaly';
export * from './synthetic';
