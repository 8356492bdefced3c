import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { transpileModule } from 'typescript';
import { writeOfflineProject } from './offline-project';
import { packedTarball } from './pack';
import { ROOT } from '../harness/validators';

// What a user installs: `npm run package` builds the tarball, which is installed with its peers into a project of
// its own, offline, from the npm cache `npm ci` of this repository filled. The README's app is then type-checked
// the way `cdk init app --language typescript` sets a project up and synthesized with the pinned aws-cdk CLI, and
// the shipped example is synthesized from the installed package.

const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const CONSUMER_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk8s', 'cdk-nag', 'aws-cdk', '@types/node'];
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let tarball: string;
let files: string[];
let consumer: string;

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Runs `script` (CommonJS) with Node in the consumer project and parses the JSON it prints. */
function inConsumer(script: string): any {
  return JSON.parse(run(process.execPath, ['-e', script], consumer).stdout);
}

/** The first TypeScript block of the README's "Install and use" section. */
function readmeApp(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Install and use'));
  const block = /```ts\n([^]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (!block) {
    throw new Error('README.md: no ```ts block in the "Install and use" section');
  }
  return block[1];
}

beforeAll(() => {
  tarball = packedTarball();
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map(f => f.replace(/^package\//, '')).sort();

  consumer = mkdtempSync(path.join(tmpdir(), 'mlops-consumer-'));
  copyFileSync(tarball, path.join(consumer, path.basename(tarball)));
  writeOfflineProject(consumer, path.join(consumer, path.basename(tarball)), CONSUMER_PACKAGES);
  try {
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nThe packages come from npm's cache, which \`npm ci\` in this repository fills: run it first.`);
  }
});

describe('the packed tarball', () => {
  test('holds every entry point, its types, the report schema and the examples', () => {
    for (const [subpath, target] of Object.entries<any>(MANIFEST.exports)) {
      for (const file of typeof target === 'string' ? [target] : Object.values<string>(target)) {
        expect({ subpath, file, packed: files.includes(path.posix.normalize(file)) }).toEqual({ subpath, file, packed: true });
      }
    }
    expect(files).toEqual(expect.arrayContaining([
      'README.md', 'LICENSE', 'package.json',
      'lib/src/cost-report/cli.js',
      'lib/src/registry/cli.js',
      'lib/src/cost-report/render/cost-report.schema.json',
      'examples/platform/main.ts', 'lib/examples/platform/main.js',
    ]));
  });

  test('holds no sources of the compiled code, tests, build state or billing data', () => {
    const unwanted = files.filter(f => /^(src|constructs|test|\.venv|cdk\.out|dist|\.cache|report-out|\.projen)\//.test(f) ||
      /\.tsbuildinfo$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('examples/')));
    expect(unwanted).toEqual([]);
  });

  test('every compiled file comes from a source file of the repository', () => {
    const orphans = files.filter(f => f.startsWith('lib/') && f.endsWith('.js'))
      .map(f => f.replace(/^lib\//, '').replace(/\.js$/, '.ts'))
      .filter(f => !existsSync(path.join(ROOT, f)));
    expect(orphans).toEqual([]);
  });
});

describe('installed with its peers, offline', () => {
  test('mlops-stack loads everything', () => {
    const names = inConsumer('console.log(JSON.stringify(Object.keys(require("mlops-stack"))))');
    expect(names).toEqual(expect.arrayContaining(['CostAttribution', 'GpuCluster', 'ModelRegistry', 'GpuNodePool', 'GpuTeamQueues', 'TagSchema', 'buildReport']));
  });

  test('mlops-stack/k8s loads the charts and the tag schema, and no aws-cdk-lib module', () => {
    const { names, awsCdkLib } = inConsumer(`
      const names = Object.keys(require('mlops-stack/k8s'));
      const awsCdkLib = Object.keys(require.cache).filter(f => f.includes('/node_modules/aws-cdk-lib/'));
      console.log(JSON.stringify({ names, awsCdkLib }));`);
    expect(names).toEqual(expect.arrayContaining(['GpuNodePool', 'GpuTeam', 'GpuTeamQueues', 'GpuWorkload', 'TagSchema', 'MlopsStackError']));
    expect(names).not.toContain('GpuCluster');
    expect(awsCdkLib).toEqual([]);
  });

  test('mlops-stack/runtime loads the tag schema and the cost report, with neither aws-cdk-lib nor cdk8s', () => {
    const { names, loaded } = inConsumer(`
      const names = Object.keys(require('mlops-stack/runtime'));
      const loaded = Object.keys(require.cache).filter(f => /\\/node_modules\\/(aws-cdk-lib|cdk8s[^/]*)\\//.test(f));
      console.log(JSON.stringify({ names, loaded }));`);
    expect(names).toEqual(expect.arrayContaining(['TagSchema', 'buildReport', 'readCostExplorer', 'renderMarkdown', 'renderHtml', 'runModelGate', 'decidePromotion']));
    expect(loaded).toEqual([]);
  });

  test('the report JSON schema is an exported file', () => {
    const schema = inConsumer('console.log(require("fs").readFileSync(require.resolve("mlops-stack/cost-report.schema.json"), "utf8"))');
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema.title).toEqual(expect.any(String));
  });

  test('the cost report CLI runs from the installed bin', () => {
    const out = run(path.join(consumer, 'node_modules', '.bin', 'mlops-cost-report'), ['--sample', '--quiet'], consumer);
    expect(out.stdout).toMatch(/^### Cost by team: /m);
  });

  test('the model gate CLI runs from the installed bin', () => {
    const help = run(path.join(consumer, 'node_modules', '.bin', 'mlops-model-gate'), ['--help'], consumer);
    expect(help.stdout).toMatch(/^Usage: mlops-model-gate --group NAME/);
    const version = run(path.join(consumer, 'node_modules', '.bin', 'mlops-model-gate'), ['--version'], consumer);
    expect(version.stdout).toBe(`mlops-model-gate ${MANIFEST.version}\n`);
  });

  /** Type-checks `sources` in a project whose tsconfig.json is the one `cdk init` writes, with `resolution`. */
  function typeCheck(name: string, resolution: Record<string, unknown>, sources: Record<string, string>): void {
    const dir = path.join(consumer, name);
    mkdirSync(dir);
    // The tsconfig.json the pinned aws-cdk CLI writes for `cdk init app --language typescript`, without the jest
    // and node types such a project also installs.
    const init = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'aws-cdk', 'lib', 'init-templates', 'app', 'typescript', 'tsconfig.json'), 'utf8'));
    const tsconfig = { ...init, compilerOptions: { ...init.compilerOptions, types: [], typeRoots: undefined, ...resolution }, include: ['*.ts'] };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    for (const [file, text] of Object.entries(sources)) {
      writeFileSync(path.join(dir, file), text);
    }
    run(process.execPath, [TSC, '-p', dir], dir);
  }

  test('the README app and every entry point type-check in a project set up by `cdk init` (NodeNext resolution)', () => {
    expect(() => typeCheck('typecheck-nodenext', {}, {
      'app.ts': readmeApp(),
      'entry-points.ts': [
        "import { GpuCluster, TagSchema as RootTagSchema } from 'mlops-stack';",
        "import { GpuNodePool, TagSchema } from 'mlops-stack/k8s';",
        "import { buildReport, type CostDataset } from 'mlops-stack/runtime';",
        'export const used: unknown[] = [GpuCluster, RootTagSchema, GpuNodePool, TagSchema, buildReport];',
        'export type Dataset = CostDataset;',
        '',
      ].join('\n'),
    })).not.toThrow();
  });

  test('the declarations type-check without skipLibCheck: no .d.ts names a type the build strips (@internal)', () => {
    // skipLibCheck hides an error in a dependency's declarations; a consumer that turns it off must not meet one
    // in this package's. Node's types are needed then (the AWS SDK's declarations name its streams), and projen's
    // (the project type's declarations extend its classes; projen is an optional peer, not installed here).
    const projen = path.join(ROOT, 'node_modules', 'projen');
    expect(() => typeCheck('typecheck-libcheck', { skipLibCheck: false, types: ['node'], paths: { 'projen': [projen], 'projen/*': [`${projen}/*`] } }, {
      'entry-points.ts': [
        "import * as root from 'mlops-stack';",
        "import * as k8s from 'mlops-stack/k8s';",
        "import * as project from 'mlops-stack/project';",
        "import * as runtime from 'mlops-stack/runtime';",
        'export const used: unknown[] = [root, k8s, project, runtime];',
        '',
      ].join('\n'),
    })).not.toThrow();
  });

  test('the subpath entry points type-check with node10 resolution too, which ignores `exports`', () => {
    expect(() => typeCheck('typecheck-node10', { module: 'CommonJS', moduleResolution: 'node10' }, {
      'subpaths.ts': [
        "import { GpuNodePool, TagSchema } from 'mlops-stack/k8s';",
        "import { buildReport, type CostDataset } from 'mlops-stack/runtime';",
        'export const used: unknown[] = [GpuNodePool, TagSchema, buildReport];',
        'export type Dataset = CostDataset;',
        '',
      ].join('\n'),
    })).not.toThrow();
  });

  test('the README app synthesizes with the aws-cdk CLI', () => {
    const dir = path.join(consumer, 'readme-app');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'app.js'), transpileModule(readmeApp(), { compilerOptions: { module: 1 /* CommonJS */, target: 9 /* ES2022 */ } }).outputText);
    run(path.join(consumer, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--app', 'node app.js', '--output', 'cdk.out'], dir);
    const stacks = readdirSync(path.join(dir, 'cdk.out')).filter(f => f.endsWith('.template.json'));
    expect(stacks.length).toBeGreaterThan(0);
    const resources = stacks.flatMap(f => Object.values<any>(JSON.parse(readFileSync(path.join(dir, 'cdk.out', f), 'utf8')).Resources));
    expect(resources.map(r => r.Type)).toEqual(expect.arrayContaining(['AWS::EKS::Cluster', 'AWS::S3::Bucket']));
  });

  test('a CostReportSchedule synthesizes from the installed package: esbuild bundles the compiled handler, no Docker', () => {
    const dir = path.join(consumer, 'report-schedule');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'app.js'), [
      "const { App, Stack } = require('aws-cdk-lib');",
      "const sns = require('aws-cdk-lib/aws-sns');",
      "const { CostAttribution, CostReportSchedule } = require('mlops-stack');",
      "const app = new App({ outdir: 'cdk.out' });",
      "CostAttribution.apply(app, { tags: { team: 'finops', project: 'billing', 'cost-center': 'cc-1', environment: 'prod' } });",
      "const stack = new Stack(app, 'Reports');",
      "new CostReportSchedule(stack, 'CostReport', { topic: new sns.Topic(stack, 'Topic', { enforceSSL: true }) });",
      'app.synth();',
    ].join('\n'));
    // Docker is made unreachable: the bundle must not need it.
    run(process.execPath, ['app.js'], dir, { DOCKER_HOST: 'unix:///nonexistent.sock', CDK_DOCKER: '/nonexistent/docker' });
    const template = JSON.parse(readFileSync(path.join(dir, 'cdk.out', 'Reports.template.json'), 'utf8'));
    const fn = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
    // The asset of the function's code: the one directory (zip) asset of the stack's asset manifest.
    const manifest = JSON.parse(readFileSync(path.join(dir, 'cdk.out', 'Reports.assets.json'), 'utf8'));
    const zips = Object.values<any>(manifest.files).filter(f => f.source.packaging === 'zip').map(f => f.source.path as string);
    expect(zips).toHaveLength(1);
    expect(fn.Properties.Code.S3Key).toBe(`${zips[0].replace(/^asset\./, '')}.zip`);
    const bundle = readFileSync(path.join(dir, 'cdk.out', zips[0], 'index.js'), 'utf8');
    expect(bundle).toContain('MLOPS_COST_REPORT_BUCKET');
    expect(bundle).toContain('GetCostAndUsageCommand');
  });

  test('the shipped example platform synthesizes from the installed package, cdk-nag included', () => {
    const dir = path.join(consumer, 'example');
    mkdirSync(dir);
    run(path.join(consumer, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--app', `node ${path.join(consumer, 'node_modules', 'mlops-stack', 'lib', 'examples', 'platform', 'main.js')}`, '--output', 'cdk.out'], dir);
    expect(readdirSync(path.join(dir, 'cdk.out')).filter(f => f.endsWith('.template.json')).sort())
      .toEqual(['FraudScoringProduction', 'FraudScoringStaging', 'MlopsGpuCluster', 'MlopsPlatform', 'MlopsRegistry', 'MlopsServing', 'MlopsTraining']
        .map(stack => `${stack}.template.json`));
  });
});
