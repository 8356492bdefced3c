import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand, CreateModelPackageGroupCommand, DescribeModelPackageCommand, SageMakerClient, type ModelApprovalStatus,
} from '@aws-sdk/client-sagemaker';
import { GATE_EXIT, gateMain } from '../../../src/registry/cli';
import { runModelGate } from '../../../src/registry/gate';

// The real wire protocol: moto's server on 127.0.0.1, started here and stopped after. Groups, packages and the
// evaluation JSON are created through the SDK; the gate then lists, describes, reads S3 and updates over HTTP.
const ROOT = path.join(__dirname, '../../..');
const MOTO = path.join(ROOT, '.venv/bin/moto_server');
const BUCKET = 'evaluations';
let server: ChildProcess | undefined;
let endpoint: string;
let sagemaker: SageMakerClient;
let s3: S3Client;
const savedEnv = { ...process.env };
const ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SESSION_TOKEN: 'testing', AWS_REGION: 'us-east-1' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!existsSync(MOTO)) {
    throw new Error(`${MOTO} is missing: run \`bash test/tools/python-tools.sh\` (npm test does it) to install moto`);
  }
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  server = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForServer(endpoint, 60_000);
  Object.assign(process.env, ENV);
  delete process.env.AWS_PROFILE;
  sagemaker = new SageMakerClient({ endpoint });
  s3 = new S3Client({ endpoint, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 90_000);

afterAll(() => {
  server?.kill('SIGTERM');
  process.env = savedEnv;
});

/** Creates a group and one package per entry, each with its evaluation JSON in moto's S3; returns the ARNs. */
async function group(name: string, packages: Array<[ModelApprovalStatus, object]>): Promise<string[]> {
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name }));
  const arns: string[] = [];
  for (const [i, [status, evaluation]] of packages.entries()) {
    const key = `${name}/v${i + 1}/evaluation.json`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(evaluation), ContentType: 'application/json' }));
    const res = await sagemaker.send(new CreateModelPackageCommand({
      ModelPackageGroupName: name,
      ModelApprovalStatus: status,
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://${BUCKET}/${key}` } } },
    }));
    arns.push(res.ModelPackageArn!);
  }
  return arns;
}

const status = async (arn: string) => {
  const p = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  return { status: p.ModelApprovalStatus, description: p.ApprovalDescription };
};
const auc = (value: number) => ({ binary_classification_metrics: { auc: { value, standard_deviation: 'NaN' } } });

test('the module approves a better challenger over HTTP: the status and description are read back', async () => {
  const [v1, v2, v3] = await group('fraud-wire', [['Approved', auc(0.88)], ['Rejected', auc(0.99)], ['PendingManualApproval', auc(0.9)]]);
  const result = await runModelGate({ modelPackageGroupName: 'fraud-wire', metric: 'auc', direction: 'maximize', minImprovement: 0.01, endpoint });
  expect(result).toMatchObject({
    applied: true,
    newStatus: 'Approved',
    packagesListed: 3,
    decision: { outcome: 'approve', challenger: { arn: v3, version: 3, value: 0.9 }, champion: { arn: v1, version: 1, value: 0.88 } },
  });
  expect(await status(v3)).toEqual({
    status: 'Approved',
    description: 'Approved by mlops-model-gate: auc 0.9 (challenger v3) vs 0.88 (champion v1), maximize, improvement 0.02 >= required 0.01.',
  });
  expect((await status(v2)).status).toBe('Rejected');
  expect((await status(v1)).status).toBe('Approved');
});

test('pages of ListModelPackages over HTTP: the newest pending package is found on a later page', async () => {
  const packages: Array<[ModelApprovalStatus, object]> = [['Approved', auc(0.8)], ...Array.from({ length: 5 }, (): [ModelApprovalStatus, object] => ['Rejected', auc(0.5)]), ['PendingManualApproval', auc(0.7)]];
  const arns = await group('paged-wire', packages);
  // moto serves pages of the requested MaxResults; the gate asks for 100, so a small group fits on one page.
  // The module is run in-process with a client whose middleware caps MaxResults at 2, to force 4 pages.
  const client = new SageMakerClient({ endpoint, maxAttempts: 1 });
  const pages: Array<string | undefined> = [];
  client.middlewareStack.add(next => async args => {
    const input = args.input as { MaxResults?: number; NextToken?: string };
    if ('ModelPackageGroupName' in input && 'SortBy' in input) {
      input.MaxResults = 2;
      pages.push(input.NextToken);
    }
    return next(args);
  }, { step: 'initialize' });
  const result = await runModelGate({ modelPackageGroupName: 'paged-wire', metric: 'auc', direction: 'maximize', sagemaker: client, s3, dryRun: true });
  expect(pages).toHaveLength(4);
  expect(pages[0]).toBeUndefined();
  expect(pages.slice(1).every(t => typeof t === 'string' && t.length > 0)).toBe(true);
  expect(result).toMatchObject({ applied: false, packagesListed: 7, decision: { outcome: 'reject', challenger: { arn: arns[6] }, champion: { arn: arns[0] } } });
  expect((await status(arns[6])).status).toBe('PendingManualApproval');
});

test('the CLI in process rejects a worse challenger and writes the reason', async () => {
  const [, v2] = await group('churn-wire', [['Approved', { regression_metrics: { mse: { value: 0.30 } } }], ['PendingManualApproval', { regression_metrics: { mse: { value: 0.31 } } }]]);
  let stdout = '';
  let stderr = '';
  const code = await gateMain(['--group', 'churn-wire', '--metric', 'mse', '--direction', 'minimize', '--endpoint', endpoint, '--json'], {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: process.env,
  });
  expect({ code, stderr: code === GATE_EXIT.REJECTED ? '' : stderr }).toEqual({ code: GATE_EXIT.REJECTED, stderr: '' });
  expect(JSON.parse(stdout)).toMatchObject({ outcome: 'reject', applied: true, newStatus: 'Rejected', improvement: -0.01 });
  expect(await status(v2)).toEqual({ status: 'Rejected', description: expect.stringMatching(/^Rejected by mlops-model-gate: mse 0\.31 \(challenger v2\) vs 0\.3 \(champion v1\), minimize/) });
});

describe('the CLI as a process (ts-node, no build), as CI runs it', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/registry/cli.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...savedEnv, ...ENV, AWS_PROFILE: undefined },
  });

  test('--dry-run prints the decision and changes nothing; the real run approves a first model meeting --threshold', async () => {
    const [v1] = await group('search-wire', [['PendingManualApproval', { metrics: { ndcg: 0.71 } }]]);
    const args = ['--group', 'search-wire', '--metric', 'ndcg', '--direction', 'maximize', '--threshold', '0.7', '--endpoint', endpoint];
    const dry = cli(...args, '--dry-run');
    expect({ status: dry.status, stdout: dry.stdout }).toEqual({
      status: GATE_EXIT.APPROVED,
      stdout: 'search-wire v1: dry run: would approve\nApproved by mlops-model-gate: ndcg 0.71 (challenger v1) meets the threshold (at least 0.7); there is no approved model package yet.\n',
    });
    expect(dry.stderr).toMatch(/search-wire: 1 model package\(s\); challenger v1, champion none/);
    expect((await status(v1)).status).toBe('PendingManualApproval');

    const real = cli(...args, '--quiet');
    expect(real.status).toBe(GATE_EXIT.APPROVED);
    expect(await status(v1)).toEqual({ status: 'Approved', description: expect.stringContaining('meets the threshold (at least 0.7)') });
  });

  test('a metric absent from the evaluation output exits 4 with the metrics found, and changes nothing', async () => {
    const [, v2] = await group('absent-wire', [['Approved', auc(0.9)], ['PendingManualApproval', { binary_classification_metrics: { recall: { value: 0.8 } } }]]);
    const r = cli('--group', 'absent-wire', '--metric', 'auc', '--direction', 'maximize', '--endpoint', endpoint, '--quiet');
    expect(r.status).toBe(GATE_EXIT.METRICS);
    expect(r.stderr).toMatch(/has no metric "auc": its evaluation JSON s3:\/\/evaluations\/absent-wire\/v2\/evaluation\.json has binary_classification_metrics\.recall/);
    expect((await status(v2)).status).toBe('PendingManualApproval');
  });

  test('a threshold that is not a number exits 2 before any call', () => {
    const r = cli('--group', 'x', '--metric', 'auc', '--direction', 'maximize', '--threshold', 'high', '--endpoint', endpoint);
    expect(r.status).toBe(GATE_EXIT.USAGE);
    expect(r.stderr).toContain('--threshold ("high") must be a number, such as 0.8');
  });
});
