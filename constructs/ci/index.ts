export * from './github-deploy-role';
export * from './github-diff-role';
