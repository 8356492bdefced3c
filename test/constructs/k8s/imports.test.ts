import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sharedCrdsDir } from './manifest-validator';
import { ROOT } from '../../harness/validators';

const IMPORTS = path.join(ROOT, 'constructs', 'k8s', 'imports');

test('the committed CRD classes are what regenerate.sh produces from the CRDs', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mlops-k8s-imports-'));
  const run = spawnSync('bash', [path.join(IMPORTS, 'regenerate.sh'), out], {
    encoding: 'utf8',
    env: { ...process.env, MLOPS_SHARED_CRDS: sharedCrdsDir() },
  });
  if (run.status !== 0) {
    throw new Error(`regenerate.sh failed (${run.status}):\n${run.stderr}`);
  }
  const generated = readdirSync(out).filter(f => f.endsWith('.ts')).sort();
  expect(generated).toEqual(readdirSync(IMPORTS).filter(f => f.endsWith('.ts')).sort());
  const stale = generated.filter(f => readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(IMPORTS, f), 'utf8'));
  expect(stale).toEqual([]);
});
