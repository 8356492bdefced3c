export * from './cost-attribution';
export * from './cost-report-schedule';
