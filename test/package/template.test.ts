import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type LocalRegistry, startLocalRegistry } from './local-registry';
import { packedTarball } from './pack';
import { ROOT } from '../harness/validators';

// A platform repository created the way a user creates one, `projen new --from <the packed tarball>`, in an empty
// folder, without the network: npm resolves every package against a registry on 127.0.0.1 that serves the
// versions this repository's lock file pins from the npm cache `npm ci` filled (./local-registry.ts). projen's
// own steps all run: it installs projen and the tarball, writes the project (`.projenrc.ts` included), runs
// `npm install` and eslint. Then the new repository's tests, its synth and actionlint on its workflows.

const PROJEN = path.join(ROOT, 'node_modules', 'projen', 'bin', 'projen');
const VENV_BIN = path.join(ROOT, '.venv', 'bin');
const ACTIONLINT = path.join(VENV_BIN, 'actionlint');
const TEAMS = ['fraud', 'recsys'];

let registry: LocalRegistry;
let tarball: string;
let repo: string;

/** The environment of the new repository's commands. */
function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Not the settings of the npm that started jest (its project's prefix and package), nor the unit tests'
    // switch that turns aws-cdk-lib's template validation off: `cdk synth` here runs as a user's does. Nor CI's
    // `CI`: a user creates the repository on a workstation, and under `CI` projen installs with `npm ci`, which
    // needs the lock file a new repository does not have yet.
    if (!/^(npm_config_local_prefix|npm_package_|npm_lifecycle_|npm_command$|INIT_CWD$|CDK_VALIDATION$|JEST_WORKER_ID$|CI$)/.test(key)) {
      out[key] = value;
    }
  }
  return {
    ...out,
    npm_config_registry: registry.url,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

function run(command: string, args: readonly string[], cwd = repo, expectStatus = 0, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...env(), ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== expectStatus) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status}, expected ${expectStatus}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

function read(file: string): string {
  return readFileSync(path.join(repo, file), 'utf8');
}

/** actionlint with ShellCheck on every `run:` script; returns its findings, one per line. */
function actionlint(files: readonly string[], cwd = repo): { findings: string[]; shellcheck: boolean } {
  const result = spawnSync(ACTIONLINT, ['-no-color', '-oneline', '-verbose', `-shellcheck=${path.join(VENV_BIN, 'shellcheck')}`, '-pyflakes=', ...files], { cwd, encoding: 'utf8' });
  if (result.error) {
    throw new Error(`${ACTIONLINT} could not run (${result.error.message}): run \`bash test/tools/python-tools.sh\``);
  }
  return {
    findings: result.stdout.split('\n').filter(Boolean),
    shellcheck: !/Rule "shellcheck" was disabled/.test(result.stderr),
  };
}

beforeAll(async () => {
  tarball = packedTarball();
  registry = await startLocalRegistry(ROOT);
  const base = mkdtempSync(path.join(tmpdir(), 'mlops-template-'));
  copyFileSync(tarball, path.join(base, path.basename(tarball)));
  repo = path.join(base, 'platform');
  mkdirSync(repo);
  // What the README tells a user to run, with the tarball in place of the registry's package. An array option is
  // repeated: yargs cannot know `--teams` takes several values, since the options come from the package.
  run(process.execPath, [PROJEN, 'new', '--from', `../${path.basename(tarball)}`, '--no-git',
    '--cost-center', 'cc-4200', '--alert-emails', 'finops@example.com', ...TEAMS.flatMap(t => ['--teams', t])]);
}, 600_000);

afterAll(() => registry?.stop());

describe('npx projen new --from mlops-stack', () => {
  test('writes the repository: its projen definition, the app, its test, the workflows', () => {
    for (const file of ['.projenrc.ts', 'cdk.json', 'package.json', 'package-lock.json', 'README.md', 'src/main.ts',
      'src/platform.generated.ts', 'test/main.test.ts', '.github/workflows/pull-request.yml', '.github/workflows/deploy.yml']) {
      expect({ file, exists: existsSync(path.join(repo, file)) }).toEqual({ file, exists: true });
    }
    expect(read('src/main.ts')).toBe(readFileSync(path.join(ROOT, 'src', 'project', 'templates', 'main.ts.txt'), 'utf8'));
  });

  test('.projenrc.ts creates an MlopsPlatformProject from mlops-stack with the options given', () => {
    const rc = read('.projenrc.ts');
    expect(rc).toMatch(/^import { MlopsPlatformProject } from 'mlops-stack';$/m);
    expect(rc).toMatch(/new MlopsPlatformProject\({/);
    expect(rc).toContain("costCenter: 'cc-4200'");
    expect(rc).toContain("alertEmails: ['finops@example.com']");
    expect(rc).toContain("teams: ['fraud', 'recsys']");
  });

  test('mlops-stack is a runtime dependency, installed from the tarball; projen and the pinned CDK versions too', () => {
    const manifest = JSON.parse(read('package.json'));
    expect(manifest.dependencies).toMatchObject({ 'mlops-stack': `file:../${path.basename(tarball)}`, 'aws-cdk-lib': '^2.276.0' });
    expect(manifest.devDependencies).toMatchObject({ 'aws-cdk': '2.1148.1', 'projen': expect.any(String) });
    const installed = JSON.parse(read('node_modules/mlops-stack/package.json'));
    expect(installed.version).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  test('the package ships the jsii assembly projen reads: the project type and its options, nothing else', () => {
    const assembly = JSON.parse(read('node_modules/mlops-stack/.jsii'));
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(assembly).toMatchObject({ schema: 'jsii/0.10.0', name: manifest.name, version: manifest.version, license: manifest.license });
    expect(Object.keys(assembly.types).sort()).toEqual(['mlops-stack.MlopsPlatformProject', 'mlops-stack.MlopsPlatformProjectOptions']);
    expect(assembly.types['mlops-stack.MlopsPlatformProject'].base).toBe('projen.awscdk.AwsCdkTypeScriptApp');
    expect(assembly.types['mlops-stack.MlopsPlatformProject'].docs.custom).toEqual({ pjid: 'mlops-platform' });
  });

  test('the package\'s main module loads no projen until the project type is used', () => {
    const loaded = JSON.parse(run(process.execPath, ['-e', `
      const projen = () => Object.keys(require.cache).some(f => f.includes('/node_modules/projen/'));
      const m = require('mlops-stack');
      const before = projen();
      const type = typeof m.MlopsPlatformProject;
      console.log(JSON.stringify({ before, type, after: projen() }));`]).stdout);
    expect(loaded).toEqual({ before: false, type: 'function', after: true });
  });
});

describe('actionlint', () => {
  test('finds nothing in the generated workflows, ShellCheck included', () => {
    const result = actionlint(['.github/workflows/pull-request.yml', '.github/workflows/deploy.yml']);
    expect(result.shellcheck).toBe(true);
    expect(result.findings).toEqual([]);
  });

  // Each broken copy of a generated workflow must give its finding: the check above can fail.
  test.each<[string, string, string, string, RegExp]>([
    ['a permission value that does not exist', 'deploy', '      id-token: write', '      id-token: writ',
      /deploy\.yml:\d+:\d+: "writ" is invalid as permission of scope "id-token".*\[permissions\]/],
    ['a job that needs one that does not exist', 'pull-request', '    needs: test', '    needs: tests',
      /job "diff" needs job "tests" which does not exist in this workflow \[job-needs\]/],
    ['a pull request title in a script', 'pull-request', '      - run: npm test', '      - run: echo "${{ github.event.pull_request.title }}"',
      /"github\.event\.pull_request\.title" is potentially untrusted.*\[expression\]/],
    ['an unquoted variable in a script (ShellCheck)', 'pull-request', '          npx cdk diff --no-change-set 2>&1 | tee cdk-diff.txt',
      '          npx cdk diff --no-change-set 2>&1 | tee $GITHUB_WORKSPACE/cdk-diff.txt', /shellcheck reported issue in this script: SC2086:.*\[shellcheck\]/],
  ])('flags %s', (_what, name, line, replacement, finding) => {
    const original = read(`.github/workflows/${name}.yml`);
    expect(original.split(`\n${line}\n`)).toHaveLength(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'broken-workflow-'));
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(dir, '.github', 'workflows', `${name}.yml`), original.replace(`\n${line}\n`, `\n${replacement}\n`));
    const { findings } = actionlint([`.github/workflows/${name}.yml`], dir);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(finding);
  });
});

describe('the new repository', () => {
  test('its tests pass: snapshots written by test:update, then checked by test (type-check, jest, eslint)', () => {
    run('npx', ['projen', 'test:update']);
    const snapshots = readdirSync(path.join(repo, 'test', '__snapshots__'));
    expect(snapshots).toEqual(['main.test.ts.snap']);
    const tested = run('npx', ['projen', 'test']);
    expect(tested.stdout + tested.stderr).toMatch(/Tests:\s+4 passed, 4 total/);
    expect(tested.stdout + tested.stderr).toMatch(/Snapshots:\s+2 passed, 2 total/);
  });

  test('cdk synth: an MlopsPlatform of the registry and the shared services, cdk-nag and aws-cdk-lib\'s validation passing', () => {
    run('npx', ['cdk', 'synth', '--quiet']);
    const out = path.join(repo, 'cdk.out');
    expect(readdirSync(out).filter(f => f.endsWith('.template.json')).sort()).toEqual(['MlopsRegistry.template.json', 'MlopsSharedServices.template.json']);
    const budgets = Object.values<any>(JSON.parse(readFileSync(path.join(out, 'MlopsSharedServices.template.json'), 'utf8')).Resources)
      .filter(r => r.Type === 'AWS::Budgets::Budget').map(r => r.Properties.Budget.CostFilters.TagKeyValue[0]).sort();
    expect(budgets).toEqual(TEAMS.map(t => `user:team$${t}`));
    // By default the app does not activate the tag keys (a first deploy could not: see activateCostAllocationTags).
    expect(readFileSync(path.join(out, 'MlopsSharedServices.template.json'), 'utf8')).not.toContain('Custom::CostAllocationTags');
    const report = JSON.parse(readFileSync(path.join(out, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.filter((r: any) => r.conclusion !== 'success')).toEqual([]);
  });

  test('a setting changed in .projenrc.ts reaches the app, and its snapshot test fails on it', () => {
    const rc = read('.projenrc.ts');
    writeFileSync(path.join(repo, '.projenrc.ts'), rc.replace("costCenter: 'cc-4200',", "costCenter: 'cc-4200',\n  monthlyBudgetUsd: 2500,"));
    // PROJEN_DISABLE_POST: regenerate only, the dependencies are unchanged. The last test of the repository: it
    // leaves it changed.
    run('npx', ['projen'], repo, 0, { PROJEN_DISABLE_POST: 'true' });
    expect(read('src/platform.generated.ts')).toContain('"monthlyBudgetUsd": 2500');
    const failed = run('npx', ['jest', '--ci'], repo, 1);
    expect(failed.stdout + failed.stderr).toMatch(/1 snapshot failed/);
    expect(failed.stdout + failed.stderr).toMatch(/-\s+"Amount": 1000,\n\s+\+\s+"Amount": 2500,/);
  });

  test('with gpuCluster, githubRepository and a model: pools billed to their teams, the workflows\' two roles, cdk-nag passing', () => {
    const rc = read('.projenrc.ts');
    writeFileSync(path.join(repo, '.projenrc.ts'), rc.replace("costCenter: 'cc-4200',",
      "costCenter: 'cc-4200',\n  gpuCluster: true,\n  githubRepository: 'octo-org/platform',\n  deploySessionHours: 2,\n" +
      '  existingOidcProvider: true,\n  activateCostAllocationTags: true,'));
    run('npx', ['projen'], repo, 0, { PROJEN_DISABLE_POST: 'true' });
    // A model of the fraud team with a pipeline and an endpoint, as the README's MlopsPlatform section writes one:
    // in a stack bound to a region, every acknowledgement of the constructs must still match cdk-nag's findings.
    const main = read('src/main.ts');
    expect(main.split('    models: [],\n')).toHaveLength(2);
    writeFileSync(path.join(repo, 'src', 'main.ts'), main
      .replace('MlopsPlatform, type TeamConfig }', 'MlopsPlatform, ModelSource, ServingInstanceType, type TeamConfig }')
      .replace('    models: [],\n', [
        '    models: [{',
        "      name: 'fraud-scoring',",
        '      team: teams[0],',
        '      training: {',
        "        imageDigest: 'sha256:5d41402abc4b2a76b9719d911017c592ae2a6b5e1e7c0b8b3b5c1b1f6d3f9a2c',",
        '        steps: pipeline => {',
        "          const prepare = pipeline.addProcessing('Prepare', {",
        "            command: ['python3', 'prepare.py'],",
        '            inputs: { raw: pipeline.inputData },',
        "            outputs: ['train', 'test'],",
        '          });',
        "          const train = pipeline.addTraining('Train', { channels: { train: prepare.output('train') } });",
        "          const evaluate = pipeline.addEvaluation('Evaluate', {",
        "            command: ['python3', 'evaluate.py'],",
        '            model: train.modelArtifacts,',
        "            inputs: { test: prepare.output('test') },",
        "            metrics: { auc: 'metrics.auc.value' },",
        '          });',
        "          pipeline.addRegistration('Register', { modelArtifacts: train.modelArtifacts, evaluation: evaluate });",
        '        },',
        '      },',
        '      endpoint: {',
        "        source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),",
        "        variants: [{ variantName: 'current', instanceType: ServingInstanceType.ML_C5_XLARGE }],",
        '      },',
        '    }],',
        '',
      ].join('\n')));
    run('npx', ['cdk', 'synth', '--quiet']);
    const out = path.join(repo, 'cdk.out');
    const template = (stack: string) => JSON.parse(readFileSync(path.join(out, `${stack}.template.json`), 'utf8'));
    expect(readdirSync(out).filter(f => f.endsWith('.template.json')).sort())
      .toEqual(['MlopsGitHubCi', 'MlopsGpuCluster', 'MlopsRegistry', 'MlopsServing', 'MlopsSharedServices', 'MlopsTraining'].map(s => `${s}.template.json`));
    const endpoint = Object.values<any>(template('MlopsServing').Resources).find(r => r.Type === 'AWS::SageMaker::Endpoint');
    expect(endpoint.Properties.Tags).toContainEqual({ Key: 'team', Value: 'fraud' });
    const report = JSON.parse(readFileSync(path.join(out, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.filter((r: any) => r.conclusion !== 'success')).toEqual([]);
    // The roles: the deploy role for pushes to main, the read-only one for pull requests, both trusting the
    // account's existing OIDC provider (imported by its ARN, not created).
    const ci = Object.values<any>(template('MlopsGitHubCi').Resources);
    expect(ci.filter(r => r.Type === 'AWS::IAM::OIDCProvider')).toHaveLength(0);
    for (const role of ci.filter(r => r.Type === 'AWS::IAM::Role')) {
      const federated = JSON.stringify(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated);
      expect(federated).toContain(':oidc-provider/token.actions.githubusercontent.com');
      expect(federated).toContain('{"Ref":"AWS::AccountId"}');
    }
    // The tag keys are activated from the shared-services stack, as asked; the default leaves them out.
    const activation = Object.values<any>(template('MlopsSharedServices').Resources).filter(r => r.Type === 'Custom::CostAllocationTags');
    expect(activation).toHaveLength(1);
    const subjects = ci.filter(r => r.Type === 'AWS::IAM::Role')
      .map(r => r.Properties.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']);
    expect(subjects).toEqual([['repo:octo-org/platform:ref:refs/heads/main'], ['repo:octo-org/platform:pull_request']]);
    // The deploy job asks for two hours, and the deploy role allows them; the workflow still lints clean.
    expect(ci.filter(r => r.Type === 'AWS::IAM::Role').map(r => r.Properties.MaxSessionDuration)).toEqual([7200, 3600]);
    expect(read('.github/workflows/deploy.yml')).toContain('          role-duration-seconds: 7200\n');
    expect(actionlint(['.github/workflows/deploy.yml']).findings).toEqual([]);
    // The app's own tests: snapshots rewritten (the diff is the new stacks), then the pool billing check.
    run('npx', ['projen', 'test:update']);
    const tested = run('npx', ['projen', 'test']);
    expect(tested.stdout + tested.stderr).toMatch(/Tests:\s+8 passed, 8 total/);
  }, 600_000);
});
