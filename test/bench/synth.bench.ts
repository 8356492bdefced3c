import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * `npm run bench` (this benchmark alone: `npm run bench -- synth`): the median `cdk synth` time of the GPU cluster example, against a comparable EKS
 * Blueprints stack (Karpenter add-on, GPU node group), measured alternately in one run.
 *
 * Each measurement runs the real CDK CLI (the project's pinned aws-cdk) as a user would, `cdk synth --quiet`
 * with the app command the CLI spawns: `node -r ts-node/register/transpile-only <app>.ts`, as cdk.json does.
 * The CLI's built-in CloudFormation validation is on by default; aws-cdk-lib 2.276 (ours) runs its validator
 * there, EKS Blueprints' pinned aws-cdk-lib 2.261 has none. So the GPU example is measured both ways: as the
 * CLI runs it by default, and with `--no-validation` (the like-for-like comparison). cdk-nag is off in both.
 *
 * EKS Blueprints lives in test/bench/blueprints with its own pinned package.json and lock file; the first run
 * installs it there with `npm ci`.
 *
 * Run with `--app` this file is instead the CDK app of the GPU cluster example (what the CLI spawns).
 *
 * Environment: BENCH_SYNTH_RUNS (measured runs per variant, default 5).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const BLUEPRINTS = path.join(__dirname, 'blueprints');
const TS_NODE = path.join(ROOT, 'node_modules', 'ts-node', 'register', 'transpile-only');
const CDK_CLI = path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

interface Variant {
  readonly name: string;
  readonly cwd: string;
  readonly app: string;
  readonly tsconfig: string;
  readonly cliArgs: string[];
  readonly times: number[];
}

async function gpuClusterApp(): Promise<void> {
  const { App } = await import('aws-cdk-lib');
  const { CostAttribution } = await import('../../constructs/cost');
  const { GpuClusterStack } = await import('../../examples/platform/gpu-cluster-stack');
  const app = new App();
  // Attribution as the platform applies it, so the synth-time tag check runs as it does there.
  CostAttribution.apply(app, { tags: { 'project': 'mlops-platform', 'cost-center': 'cc-4200', 'environment': 'prod' } });
  const stack = new GpuClusterStack(app, 'MlopsGpuCluster');
  CostAttribution.apply(stack, { tags: { team: 'ml-platform' } });
  app.synth();
}

function packageVersion(dir: string, name: string): string {
  return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function ensureBlueprints(): void {
  if (existsSync(path.join(BLUEPRINTS, 'node_modules', '@aws-quickstart', 'eks-blueprints'))) {
    return;
  }
  console.error('installing EKS Blueprints into test/bench/blueprints (first run only)...');
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: BLUEPRINTS, stdio: 'inherit' });
  if (install.status !== 0) {
    throw new Error(`npm ci in ${BLUEPRINTS} failed with exit code ${install.status}`);
  }
}

/** One `cdk synth`; returns wall seconds. */
function synthOnce(v: Variant): number {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-bench-synth-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TS_NODE_PROJECT: v.tsconfig,
    // No credentials here: keep the SDK from probing the instance metadata service, and the CLI from telemetry.
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  // `npm run bench` turns the validator off for every bench; the CLI default is what is measured here.
  delete env.CDK_VALIDATION;
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [
    CDK_CLI, 'synth', '--quiet', '--no-notices', '--output', outdir, ...v.cliArgs,
    // Unquoted: the CLI strips the quotes of a quoted app command (the checkout path has no spaces).
    '--app', `${process.execPath} -r ${TS_NODE} ${v.app}`,
  ], { cwd: v.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (run.status !== 0) {
    throw new Error(`${v.name}: cdk synth exited with ${run.status}\n${run.stdout}\n${run.stderr}`);
  }
  return seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function main(): void {
  const runs = Number(process.env.BENCH_SYNTH_RUNS ?? 5);
  ensureBlueprints();
  const gpuApp = `${path.join(__dirname, 'synth.bench.ts')} --app`;
  const ours = (name: string, cliArgs: string[]): Variant => ({
    name, cwd: ROOT, app: gpuApp, tsconfig: path.join(ROOT, 'tsconfig.json'), cliArgs, times: [],
  });
  const variants: Variant[] = [
    ours('GPU cluster example, validation on (CLI default)', []),
    {
      name: 'EKS Blueprints: Karpenter add-on + GPU node group',
      cwd: BLUEPRINTS,
      app: path.join(BLUEPRINTS, 'app.ts'),
      tsconfig: path.join(BLUEPRINTS, 'tsconfig.json'),
      cliArgs: [],
      times: [],
    },
    ours('GPU cluster example, --no-validation', ['--no-validation']),
  ];
  // One unmeasured run each fills the OS file cache and ts-node's, which a user's second synth also enjoys.
  for (const v of variants) {
    synthOnce(v);
  }
  // Alternating, so drift on a shared machine (other jobs, thermal) spreads over every variant alike.
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      v.times.push(synthOnce(v));
    }
  }

  const [oursDefault, blueprints, oursNoValidation] = variants;
  const fmt = (x: number) => x.toFixed(2);
  console.log(`- \`cdk synth --quiet\` with aws-cdk CLI ${packageVersion(ROOT, 'aws-cdk')}, app run by ` +
    `\`node -r ts-node/register/transpile-only\`; ${runs} measured runs per variant after one warm-up, alternating; ` +
    'cdk-nag off; env-agnostic stacks, no AWS credentials');
  console.log(`- mlops-stack: aws-cdk-lib ${packageVersion(ROOT, 'aws-cdk-lib')}; EKS Blueprints ` +
    `${packageVersion(BLUEPRINTS, '@aws-quickstart/eks-blueprints')} with aws-cdk-lib ${packageVersion(BLUEPRINTS, 'aws-cdk-lib')} ` +
    '(no built-in validator in that version)');
  console.log('');
  console.log('| variant | median (s) | min (s) | max (s) |');
  console.log('|---|---|---|---|');
  for (const v of variants) {
    console.log(`| ${v.name} | ${fmt(median(v.times))} | ${fmt(Math.min(...v.times))} | ${fmt(Math.max(...v.times))} |`);
  }
  console.log('');
  console.log('- ratio GPU cluster example / EKS Blueprints, like for like (--no-validation): ' +
    `**${fmt(median(oursNoValidation.times) / median(blueprints.times))}**`);
  console.log('- ratio GPU cluster example / EKS Blueprints, each as the CLI runs it by default: ' +
    `**${fmt(median(oursDefault.times) / median(blueprints.times))}**`);
}

if (process.argv.includes('--app')) {
  gpuClusterApp().catch(e => {
    console.error(e);
    process.exit(1);
  });
} else {
  main();
}
