export * from './cost-attribution';
export * from './billing-export';
export * from './cost-allocation-tags';
export * from './cost-guardrails';
export * from './cost-report-schedule';
