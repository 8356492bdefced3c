import { execFileSync } from 'child_process';
import * as path from 'path';

// The charts take plain values so that a cdk8s-only project can use them: nothing under constructs/k8s may
// load aws-cdk-lib. This file must not import aws-cdk-lib itself, or the first test could not tell.

const ROOT = path.resolve(__dirname, '../../..');

test('loading constructs/k8s loads no aws-cdk-lib module', async () => {
  jest.resetModules();
  await import('../../../constructs/k8s');
  const loaded = Object.keys(require.cache);
  expect(loaded).toContainEqual(expect.stringContaining(path.join('constructs', 'k8s', 'gpu-node-pool.ts')));
  expect(loaded.filter(file => file.includes(`${path.sep}aws-cdk-lib${path.sep}`))).toEqual([]);
});

describe('in a Node process where aws-cdk-lib cannot be resolved', () => {
  let result: { awsCdkLibResolvable: boolean; kinds: string[]; nodeClassTags: Record<string, string> };

  beforeAll(() => {
    const stdout = execFileSync(process.execPath, [
      '-r', 'ts-node/register/transpile-only',
      '-r', path.join(__dirname, 'fixtures', 'block-aws-cdk-lib.ts'),
      path.join(__dirname, 'fixtures', 'synth-charts.ts'),
    ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } });
    result = JSON.parse(stdout);
  });

  test('aws-cdk-lib is indeed not resolvable there', () => {
    expect(result.awsCdkLibResolvable).toBe(false);
  });

  test('every chart construct synthesizes', () => {
    expect(result.kinds).toEqual(expect.arrayContaining([
      'ClusterQueue', 'EC2NodeClass', 'Job', 'LimitRange', 'LocalQueue', 'Namespace', 'NodePool',
      'ResourceFlavor', 'ResourceQuota', 'Role', 'RoleBinding', 'WorkloadPriorityClass',
    ]));
  });

  test('a cost tag holding a CDK token is recognized by its marker and passed through unchecked', () => {
    expect(result.nodeClassTags).toEqual(expect.objectContaining({ environment: '${Token[TOKEN.1234]}' }));
  });
});
