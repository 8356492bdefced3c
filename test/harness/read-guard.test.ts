import { spawnSync } from 'node:child_process';
import { constants, openSync, readdirSync, readFileSync, promises as fsPromises } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { allowedFolders, isInside, takeOutsideReads } from './read-guard';
import { ROOT } from './validators';

const SIBLING = path.join(path.dirname(ROOT), 'shared');

describe('the read guard every test file runs under', () => {
  test('allows the repository, its node_modules and the temporary directory, and nothing beside them', () => {
    const allowed = allowedFolders();
    expect(isInside(path.join(ROOT, 'constructs', 'k8s', 'imports', 'schemas', 'x.json'), allowed)).toBe(true);
    expect(isInside(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'package.json'), allowed)).toBe(true);
    expect(isInside(path.join(tmpdir(), 'mlops-x', 'report.html'), allowed)).toBe(true);
    expect(isInside(path.join(SIBLING, 'crds', 'karpenter.sh_nodepools.yaml'), allowed)).toBe(false);
    expect(isInside(path.join(ROOT, '..', path.basename(ROOT) + '-other', 'package.json'), allowed)).toBe(false);
    expect(isInside(path.dirname(ROOT), allowed)).toBe(false);
  });

  test('records a read beside the repository, even one whose error is caught', async () => {
    expect(() => readFileSync(path.join(SIBLING, 'no-such-file.yaml'))).toThrow();
    expect(() => readdirSync(path.join(SIBLING, 'no-such-folder'))).toThrow();
    await expect(readFile(path.join(SIBLING, 'promised.yaml'))).rejects.toThrow();
    await expect(fsPromises.readdir(path.join(SIBLING, 'promised'))).rejects.toThrow();
    expect(takeOutsideReads()).toEqual([
      `fs.readFileSync(${path.join(SIBLING, 'no-such-file.yaml')})`,
      `fs.readdirSync(${path.join(SIBLING, 'no-such-folder')})`,
      `fs.promises.readFile(${path.join(SIBLING, 'promised.yaml')})`,
      `fs.promises.readdir(${path.join(SIBLING, 'promised')})`,
    ]);
  });

  test('does not record reads inside the repository, nor opening a file outside only to write it', () => {
    readFileSync(path.join(ROOT, 'package.json'));
    // eslint-disable-next-line no-bitwise
    for (const flags of ['w', 'a', constants.O_WRONLY | constants.O_CREAT]) {
      expect(() => openSync(path.join(SIBLING, 'no-such-folder', 'out.txt'), flags)).toThrow(/ENOENT/);
    }
    expect(takeOutsideReads()).toEqual([]);
    expect(() => openSync(path.join(SIBLING, 'no-such-folder', 'out.txt'), 'r+')).toThrow(/ENOENT/);
    expect(takeOutsideReads()).toEqual([`fs.openSync(${path.join(SIBLING, 'no-such-folder', 'out.txt')})`]);
  });

  test('fails a test file that reads beside the repository, and only the test that did', () => {
    const run = spawnSync(process.execPath, [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json',
      '--testMatch', '**/test/harness/fixtures/reads-outside.fixture.ts',
    ], { cwd: ROOT, encoding: 'utf8' });
    const results = JSON.parse(run.stdout);
    const tests = results.testResults.flatMap((f: any) => f.assertionResults)
      .map((t: any) => ({ title: t.title, status: t.status, message: t.failureMessages.join('\n').split('\n').slice(0, 2).join('\n') }));
    expect(run.status).toBe(1);
    expect(tests).toEqual([
      {
        title: 'reads a sibling of the repository and catches the error',
        status: 'failed',
        message: expect.stringContaining('read 1 path(s) outside the repository'),
      },
      { title: 'reads a file of the repository', status: 'passed', message: '' },
    ]);
    expect(tests[0].message + run.stdout).toContain(`fs.readdirSync(${SIBLING})`);
  });
});
