import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from './harness/validators';

// The API reference (`npm run docs`, TypeDoc over the package's entry points): every problem TypeDoc reports in
// the JSDoc (a `{@link}` that resolves to nothing, a public signature naming a type the package does not
// export, an unknown tag) fails this test, as it fails the task.

const TYPEDOC = path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const OPTIONS = MANIFEST.typedocOptions;

const stripColours = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/** The messages of TypeDoc's warnings and errors, without the summary line. */
function problems(run: SpawnSyncReturns<string>): string[] {
  return stripColours(`${run.stdout}\n${run.stderr}`).split('\n')
    .map(line => /\[(?:warning|error)\] (.*)$/.exec(line)?.[1])
    .filter((m): m is string => m !== undefined && !/^Found \d+ errors? and \d+ warnings?$/.test(m));
}

function typedoc(cwd: string, args: readonly string[]): SpawnSyncReturns<string> {
  const run = spawnSync(process.execPath, [TYPEDOC, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    throw run.error;
  }
  return run;
}

describe('the docs task', () => {
  test('runs TypeDoc on the source of every entry point of the package, with warnings as errors', () => {
    const tasks = JSON.parse(readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
    expect(tasks.docs.steps).toEqual([{ exec: 'typedoc', receiveArgs: true }]);
    const sources = Object.values<any>(MANIFEST.exports).filter(t => typeof t === 'object')
      .map(t => (t.default as string).replace(/^\.\/lib\//, '').replace(/\.js$/, '.ts'));
    expect([...OPTIONS.entryPoints].sort()).toEqual(sources.sort());
    expect(OPTIONS.treatWarningsAsErrors).toBe(true);
    expect(OPTIONS.validation).toMatchObject({ notExported: true, invalidLink: true });
    expect(OPTIONS.plugin).toEqual(['typedoc-plugin-markdown']);
  });
});

describe('the API reference', () => {
  let out: string;
  let run: SpawnSyncReturns<string>;
  let reported: string[];

  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'mlops-stack-docs-'));
    // With warnings as errors TypeDoc stops after the first phase (conversion, validation, output) that warns, so
    // a problem of a later phase would hide behind one of an earlier phase: here every phase runs, and any
    // warning fails below.
    run = typedoc(ROOT, ['--out', out, '--treatWarningsAsErrors', 'false']);
    reported = problems(run);
  });

  test('TypeDoc reports no problem', () => {
    expect(reported).toEqual([]);
    expect(run.status).toBe(0);
  });

  test('documents the entry points and the public constructs, from their JSDoc, with repository-relative sources', () => {
    const index = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(index).toMatch(/\[constructs\]\(constructs\/README\.md\)/);
    expect(index).toMatch(/\[constructs\/k8s\]\(constructs\/k8s\/README\.md\)/);
    expect(index).toMatch(/\[src\]\(src\/README\.md\)/);
    const page = readFileSync(path.join(out, 'constructs', 'classes', 'GitHubDeployRole.md'), 'utf8');
    expect(page).toContain('Defined in: [constructs/ci/github-deploy-role.ts:');
    expect(page).not.toContain(ROOT);
    const props = readFileSync(path.join(out, 'constructs', 'interfaces', 'GitHubDeployRoleProps.md'), 'utf8');
    expect(props).toMatch(/### targetAccounts\?/);
    expect(existsSync(path.join(out, 'constructs', 'classes', 'GpuNodePool.md'))).toBe(true);
  });
});

test('the configured validation fails the generator on a broken {@link}', () => {
  // A one-file project with the package's TypeDoc options: the same generator and checks, seconds instead of tens.
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-docs-fixture-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'index.ts'), '/** A construct; see {@link Missing}. */\nexport class Documented {}\n');
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: true, types: [] }, include: ['src'] }));
  const { intentionallyNotExported: _, ...options } = OPTIONS;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'fixture',
    typedocOptions: {
      ...options,
      entryPoints: ['src/index.ts'],
      tsconfig: 'tsconfig.json',
      plugin: [path.join(ROOT, 'node_modules', 'typedoc-plugin-markdown', 'dist', 'index.js')],
      out: path.join(dir, 'out'),
    },
  }));
  const run = typedoc(dir, ['--disableSources']);
  expect(problems(run)).toEqual([expect.stringMatching(/resolve link to "Missing"/)]);
  expect(run.status).not.toBe(0);
});
