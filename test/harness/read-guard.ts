// The default import is the module object itself (an import namespace's members are read-only getters): its
// functions are what every other module calls.
import fs from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A guard on the `fs` functions that read: every path they are given that lies outside the allowed folders is
 * recorded. Jest installs it for every test file (test/harness/no-outside-reads.ts), so a test that depends on
 * something beside the repository (a sibling checkout, a file in the home directory) fails in the clone where
 * it works by chance, instead of failing in a user's clone.
 */

/** The repository root: the folder with package.json. */
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * What a test may read outside the repository, because it describes the machine or is a cache a dependency keeps
 * whatever runs it, never input a test depends on: the kernel's and the distribution's identity (playwright-core
 * reads them to pick a browser build), and aws-cdk-lib's asset fingerprint cache.
 */
const MACHINE_FILES = ['/proc', '/sys', '/etc/os-release', '/usr/lib/os-release', '/dev/null'];
const DEPENDENCY_CACHES = [path.join(homedir(), '.cdk', 'cache')];

/** Functions of `fs` whose first argument is a path they read (or open). */
const SYNC_AND_CALLBACK = [
  'readFileSync', 'readFile', 'readdirSync', 'readdir', 'openSync', 'open', 'opendirSync', 'opendir',
  'createReadStream', 'copyFileSync', 'copyFile', 'cpSync', 'cp',
] as const;
/** The same for `fs.promises` (which is also `node:fs/promises`). */
const PROMISES = ['readFile', 'readdir', 'open', 'opendir', 'copyFile', 'cp'] as const;

const GUARD = Symbol.for('mlops-stack.read-guard');

interface Guard {
  /** Folders a test may read below. */
  readonly allowed: string[];
  /** Outside paths read since the last {@link takeOutsideReads}, with the function that read each. */
  readonly reads: string[];
}

/**
 * What a test may read: the repository (its node_modules and .venv included), the temporary directory (the run's
 * own, see global-setup.ts, for what tests write there themselves), and the few machine files and dependency
 * caches above; each also by its real path, in case it is reached through a link.
 */
export function allowedFolders(): string[] {
  const folders = [ROOT, path.join(ROOT, 'node_modules'), tmpdir(), ...MACHINE_FILES, ...DEPENDENCY_CACHES];
  return [...new Set(folders.flatMap(f => [path.resolve(f), realpathOrSelf(f)]))];
}

/** Whether `file` (absolute or relative to the working directory) is below one of `folders`. */
export function isInside(file: string, folders: readonly string[]): boolean {
  const resolved = path.resolve(file);
  return folders.some(folder => {
    const rel = path.relative(folder, resolved);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/**
 * Wrap the reading functions of the process's `fs` module, once per process (jest shares core modules between
 * the test files a worker runs). Reads outside {@link allowedFolders} are recorded, not refused, so that a
 * caught error cannot hide one: the test fails afterwards, with the list.
 */
export function installReadGuard(): void {
  const target = fs as unknown as Record<string | symbol, unknown>;
  if (target[GUARD]) {
    return;
  }
  const guard: Guard = { allowed: allowedFolders(), reads: [] };
  target[GUARD] = guard;
  let nested = 0;
  const wrap = (owner: Record<string, unknown>, name: string, label: string) => {
    const original = owner[name];
    if (typeof original !== 'function') {
      return;
    }
    const opens = name === 'open' || name === 'openSync';
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const file = pathOf(args[0]);
      // fs.readFileSync calls fs.openSync: one read, recorded once, by the outer call. Opening only to write (a
      // test of a full disk writes to /dev/full) reads nothing.
      if (nested === 0 && file !== undefined && !(opens && writeOnly(args[1])) && !isInside(file, guard.allowed)) {
        guard.reads.push(`${label}(${path.resolve(file)})`);
      }
      nested++;
      try {
        return original.apply(this, args);
      } finally {
        nested--;
      }
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    owner[name] = wrapped;
  };
  for (const name of SYNC_AND_CALLBACK) {
    wrap(target as Record<string, unknown>, name, `fs.${name}`);
  }
  for (const name of PROMISES) {
    wrap(fs.promises as unknown as Record<string, unknown>, name, `fs.promises.${name}`);
  }
}

/** The outside reads recorded since the last call, and forget them. */
export function takeOutsideReads(): string[] {
  const guard = (fs as unknown as Record<symbol, Guard | undefined>)[GUARD];
  if (!guard) {
    throw new Error('the read guard is not installed (test/harness/no-outside-reads.ts, jest setupFilesAfterEnv)');
  }
  return guard.reads.splice(0, guard.reads.length);
}

function pathOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    return arg;
  }
  if (arg instanceof URL) {
    return arg.protocol === 'file:' ? fileURLToPath(arg) : undefined;
  }
  if (Buffer.isBuffer(arg)) {
    return arg.toString();
  }
  // A file descriptor, or something fs will reject anyway.
  return undefined;
}

/** Whether `open` flags (a string like 'w' or 'r+', or O_* bits) open for writing only. */
function writeOnly(flags: unknown): boolean {
  if (typeof flags === 'string') {
    return !flags.includes('r') && !flags.includes('+');
  }
  if (typeof flags === 'number') {
    // eslint-disable-next-line no-bitwise
    return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) === fs.constants.O_WRONLY;
  }
  return false;
}

function realpathOrSelf(folder: string): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}
