// jest globalSetup (see .projenrc.ts): runs once, in the process that starts the test workers, before it starts
// them, so what it sets in process.env holds in every worker and in every process a test starts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export default function globalSetup(): void {
  // A temporary directory of this run's own, removed by global-teardown.ts. Tests may read what they write there
  // (test/harness/read-guard.ts); the OS temporary directory itself is not theirs to read, since a clone may sit
  // in it beside other checkouts.
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-tests-'));
  process.env.MLOPS_STACK_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
  // The AWS SDK reads ~/.aws/config and ~/.aws/credentials (region, endpoints, retry mode, profiles): no test may
  // depend on this machine's. An empty file stands in for both.
  const empty = path.join(__dirname, 'empty-aws-config');
  process.env.AWS_CONFIG_FILE = empty;
  process.env.AWS_SHARED_CREDENTIALS_FILE = empty;
}
