// jest globalTeardown (see .projenrc.ts): removes the run's temporary directory made by global-setup.ts.
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  const dir = process.env.MLOPS_STACK_TEST_TMPDIR;
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
}
