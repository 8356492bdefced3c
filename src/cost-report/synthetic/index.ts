export * from './generate';
export * from './evaluate';
export * from './sample-dataset';
