import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './harness/validators';

// Every repository path and every npm/projen task the README names must exist: a reader who follows it must not
// hit a file that was renamed or a test that was removed.

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const TASKS: Record<string, unknown> = JSON.parse(readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;

/** Top-level entries a path may start with, and the build outputs among them (made by a command, git-ignored). */
const TRACKED_ROOTS = ['src', 'constructs', 'examples', 'test', '.ci', '.projen', '.projenrc.ts', 'README.md', 'LICENSE',
  'package.json', 'package-lock.json', 'cdk.json', 'tsconfig.json', 'tsconfig.build.json', '.gitignore', '.npmignore', 'tsdoc.json'];
const BUILD_OUTPUTS: Record<string, string> = {
  'lib': 'compiled by `npm run compile`, from the .ts file of the same path outside lib/',
  'node_modules': 'installed by `npm ci`; node_modules/mlops-stack/ is the packed package (lib/ and examples/)',
  'dist': 'written by `npm run package`',
  'cdk.out': 'written by `cdk synth`',
  '.venv': 'written by test/tools/python-tools.sh',
  '.cache': 'written by the cost report',
  'docs': 'written by `npm run docs`',
};

/** Every word of inline code and code blocks that may be a path: starts with a known top-level entry. */
function namedPaths(markdown: string): string[] {
  const code = [...markdown.matchAll(/```[a-z]*\n([^]*?)```/g), ...markdown.replace(/```[^]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map(m => m[1]);
  const words = code.flatMap(c => c.split(/[\s"'(),;=]+/));
  const roots = [...TRACKED_ROOTS, ...Object.keys(BUILD_OUTPUTS)];
  return [...new Set(words.map(w => w.replace(/[.:]+$/, '')).filter(w => roots.includes(w.split('/')[0]) && w.length > 0))].sort();
}

/** Where a named path is in this repository: build outputs map to the source they are made from. */
function sourceOf(named: string): string | undefined {
  // A glob or a placeholder names a folder up to it.
  const concrete = named.split('/').filter((_, i, parts) => !parts.slice(0, i + 1).some(p => /[*<>]/.test(p))).join('/');
  const [root, ...rest] = concrete.split('/');
  if (root === 'lib' || (root === 'node_modules' && rest[0] === 'mlops-stack')) {
    const inPackage = root === 'lib' ? rest : rest.slice(1);
    const sourcePath = (inPackage[0] === 'lib' ? inPackage.slice(1) : inPackage).join('/');
    return sourcePath.replace(/\.d\.ts$|\.js$/, '.ts');
  }
  if (root in BUILD_OUTPUTS) {
    return undefined;
  }
  return concrete;
}

test('the README names repository paths, and the check sees them', () => {
  const named = namedPaths(README);
  expect(named).toEqual(expect.arrayContaining([
    'constructs/k8s/imports/regenerate.sh', 'test/package/tarball.test.ts', 'node_modules/mlops-stack/lib/examples/platform/main.js',
  ]));
});

test('every repository path the README names exists', () => {
  const missing = namedPaths(README).filter(named => {
    const source = sourceOf(named);
    return source !== undefined && !existsSync(path.join(ROOT, source));
  });
  expect(missing).toEqual([]);
});

test('a path that does not exist is reported, through a build output too', () => {
  const named = namedPaths('See `test/examples/registry-stack.test.ts` and run `node lib/examples/gone/main.js`.\n');
  expect(named).toEqual(['lib/examples/gone/main.js', 'test/examples/registry-stack.test.ts']);
  expect(named.map(sourceOf).filter(s => s !== undefined && !existsSync(path.join(ROOT, s)))).toEqual(['examples/gone/main.ts', 'test/examples/registry-stack.test.ts']);
});

test('every npm and projen task the README names exists', () => {
  const tasks = [...README.matchAll(/\b(?:npm run|npx projen) ([a-z][\w:-]*)/g)].map(m => m[1]);
  expect(tasks.length).toBeGreaterThan(3);
  expect([...new Set(tasks)].filter(t => !(t in TASKS))).toEqual([]);
});
