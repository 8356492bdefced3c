import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../harness/validators';

const WAIT_MS = 10 * 60 * 1000;

/**
 * The tarball `npm run package` builds, packed once per jest run and shared by the test files that install it.
 *
 * They may run at the same time in two workers, and `npm run package` empties lib/ and dist/js/ before it
 * builds: two at once would break each other. The first one packs (under a lock directory) and copies the
 * tarball into the run's temporary directory; the others wait for the lock and take that copy.
 */
export function packedTarball(): string {
  const dir = path.join(process.env.MLOPS_STACK_TEST_TMPDIR ?? tmpdir(), 'packed');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) {
        throw e;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    const packed = existsSync(dir) ? readdirSync(dir).filter(f => f.endsWith('.tgz')) : [];
    if (packed.length === 1) {
      return path.join(dir, packed[0]);
    }
    const result = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
      throw new Error(`npm run package exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
    }
    const dist = path.join(ROOT, 'dist', 'js');
    const tgz = readdirSync(dist).filter(f => f.endsWith('.tgz'));
    if (tgz.length !== 1) {
      throw new Error(`npm run package left ${tgz.length} tarballs in ${dist}, expected one: ${tgz.join(', ')}`);
    }
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(dist, tgz[0]), path.join(dir, tgz[0]));
    return path.join(dir, tgz[0]);
  } finally {
    rmdirSync(lock);
  }
}
