import * as path from 'path';

// PlatformCharts is the Kubernetes side of a platform: like the charts it builds, it must load with cdk8s alone.
// This file must not import aws-cdk-lib itself, or the test could not tell.

test('loading PlatformCharts loads no aws-cdk-lib module', async () => {
  jest.resetModules();
  const { PlatformCharts } = await import('../../../constructs/platform/platform-charts');
  const { App } = await import('cdk8s');
  const charts = new PlatformCharts(new App(), {
    clusterName: 'mlops',
    nodeRoleName: 'mlops-node',
    costTags: { 'team': 'ml-platform', 'project': 'p', 'cost-center': 'cc', 'environment': 'prod' },
    teams: [{ name: 'fraud', pools: [{ name: 'fraud-training', instanceFamilies: ['g5', 'g6'], gpuLimit: 8 }] }],
  });
  expect(Object.keys(charts.gpuPools)).toEqual(['fraud-training']);
  const loaded = Object.keys(require.cache);
  expect(loaded).toContainEqual(expect.stringContaining(path.join('constructs', 'platform', 'platform-charts.ts')));
  expect(loaded.filter(file => file.includes(`${path.sep}aws-cdk-lib${path.sep}`))).toEqual([]);
});
