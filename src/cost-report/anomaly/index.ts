export * from './options';
export * from './detect-anomalies';
export * from './project-month-end';
export * from './aws-findings';
