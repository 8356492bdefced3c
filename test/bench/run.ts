import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

// `npm run bench`: runs every test/bench/*.bench.ts in its own process (so one benchmark's heap does not
// colour another's memory figures) and prints what each reports. Optional filter: `npm run bench -- synth`.
const filter = process.argv[2];
const files = readdirSync(__dirname).filter(f => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}`);
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, file)], {
    stdio: 'inherit',
    env: { ...process.env, CDK_VALIDATION: process.env.CDK_VALIDATION ?? 'false' },
  });
  if (run.status !== 0) {
    failed++;
    console.log(`${file} exited with ${run.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
