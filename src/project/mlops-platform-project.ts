import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { awscdk, javascript, SampleFile, TextFile } from 'projen';
import { MlopsStackError } from '../errors';
import { TagSchema } from '../tags';
import { FormatNewProjenrc } from './private/format-new-projenrc';
import { addWorkflows } from './private/workflows';

/**
 * Options of {@link MlopsPlatformProject}.
 *
 * The platform's settings (teams, tags, budget, AWS account and region) go to a generated
 * `src/platform.generated.ts` that the app reads, and the GitHub settings go to the generated workflows: change
 * them here and run `npx projen`.
 */
export interface MlopsPlatformProjectOptions {
  /**
   * The name of the repository's npm package.
   *
   * @default $BASEDIR
   */
  readonly name: string;

  /**
   * Where the project is written.
   *
   * @default "."
   */
  readonly outdir?: string;

  /**
   * The branch that deploys: `deploy.yml` runs on a push to it, `pull-request.yml` on pull requests into it.
   *
   * @default "main"
   */
  readonly defaultReleaseBranch?: string;

  /**
   * The teams billed on the platform, each with a monthly budget. Each is a value of the `team` cost tag, so
   * it must be a valid tag value.
   *
   * @default ["ml-team"]
   * @pjnew ["ml-team"]
   * @see https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html
   */
  readonly teams?: string[];

  /**
   * The team billed for the shared services (the model registry, the alerting topic).
   *
   * @default "ml-platform"
   * @pjnew "ml-platform"
   */
  readonly platformTeam?: string;

  /**
   * Value of the `cost-center` tag on every resource.
   */
  readonly costCenter: string;

  /**
   * Value of the `environment` tag on every resource.
   *
   * @default "prod"
   */
  readonly environment?: string;

  /**
   * Value of the `project` tag on every resource.
   *
   * @default - the project's name
   */
  readonly projectTag?: string;

  /**
   * Monthly cost budget of each team, in USD.
   *
   * @default 1000
   * @see https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
   */
  readonly monthlyBudgetUsd?: number;

  /**
   * Email addresses that receive the budget and cost anomaly alerts (at most 10).
   */
  readonly alertEmails: string[];

  /**
   * An EKS GPU cluster (Karpenter, Kueue) in which each team has a GPU pool of its own (`<team>-gpu`, g6 instances,
   * spot first), billed to the team, with a namespace and a queue. Team names must then be DNS labels.
   *
   * @default false - a SageMaker-only platform: no EKS
   * @see https://docs.aws.amazon.com/eks/latest/userguide/what-is-eks.html
   */
  readonly gpuCluster?: boolean;

  /**
   * Activate the tag schema's keys (team, project, cost-center, environment) as cost allocation tags from the
   * app (`MlopsPlatform`'s `costAllocationTags`). Budgets, anomaly monitors and the cost report filter and group
   * by the team tag only once it is active. Only the management (payer) account can activate tags, and a key can
   * be activated only once resources have carried it (up to 24 hours), so the first deploy of a new platform
   * would fail with it: turn it on after that, or activate the keys in the Billing console.
   *
   * @default false
   * @see https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html
   */
  readonly activateCostAllocationTags?: boolean;

  /**
   * Most GPUs each team's pool runs at once, with {@link gpuCluster}.
   *
   * @default 8
   */
  readonly teamGpuLimit?: number;

  /**
   * The AWS account (12 digits) the platform deploys to. When set, the stacks are bound to it and the
   * workflows refuse credentials of another account.
   *
   * @default - environment-agnostic stacks, deployed to the account of the credentials
   */
  readonly awsAccount?: string;

  /**
   * The AWS region of the platform's stacks and of the workflows' credentials. The cost guardrails deploy to
   * `us-east-1` whatever this is (Budgets and Cost Anomaly Detection are global services managed there).
   *
   * @default "us-east-1"
   */
  readonly awsRegion?: string;

  /**
   * The GitHub repository, `owner/name`. When set, the workflows' jobs that assume an AWS role run only in this
   * repository (not in forks), and the app gets a `MlopsGitHubCi` stack with the two roles they assume
   * (`GitHubDeployRole`, `GitHubDiffRole`).
   *
   * @default - the jobs run in any repository; the roles are yours to create
   */
  readonly githubRepository?: string;

  /**
   * The AWS account has a GitHub OIDC provider already (another repository's roles, the console, another tool):
   * the `MlopsGitHubCi` stack imports it instead of creating one, which IAM would refuse (one provider per
   * account). Needs {@link githubRepository}.
   *
   * @default false - the stack creates the provider
   */
  readonly existingOidcProvider?: boolean;

  /**
   * Name of the GitHub Actions variable that holds the ARN of the deploy role `deploy.yml` assumes through
   * OIDC (`vars.<name>`).
   *
   * @default "AWS_DEPLOY_ROLE_ARN"
   * @see https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
   */
  readonly deployRoleArnVariable?: string;

  /**
   * Name of the GitHub Actions variable that holds the ARN of the read-only role `pull-request.yml` assumes
   * through OIDC for `cdk diff` and the cost report.
   *
   * @default "AWS_DIFF_ROLE_ARN"
   */
  readonly diffRoleArnVariable?: string;

  /**
   * GitHub environment of the deploy job. With one, the OIDC token's subject is
   * `repo:<owner>/<name>:environment:<environment>` instead of `repo:<owner>/<name>:ref:refs/heads/<branch>`,
   * and the environment's protection rules (reviewers, wait timer) gate each deploy.
   *
   * @default - no environment
   * @see https://docs.github.com/en/actions/deployment/targeting-different-environments/using-environments-for-deployment
   */
  readonly deployEnvironment?: string;

  /**
   * How long the deploy job's AWS credentials last, in hours (1 to 12): `role-duration-seconds` in `deploy.yml`
   * and, with {@link githubRepository}, the deploy role's `maxSessionDuration`. Raise it when a deploy takes
   * longer than an hour (a first deploy of a GPU cluster can); a role made elsewhere must allow it too.
   *
   * @default 1
   */
  readonly deploySessionHours?: number;

  /**
   * Node.js major version the workflows run on.
   *
   * @default "20"
   */
  readonly workflowNodeVersion?: string;

  /**
   * Runtime dependencies, as npm package specs. A spec of the mlops-stack package itself (as
   * `projen new --from` adds it) goes here too, since the app loads it at run time.
   *
   * @default []
   */
  readonly deps?: string[];

  /**
   * Build dependencies, as npm package specs.
   *
   * @default []
   */
  readonly devDeps?: string[];
}

/** The versions this package is tested with (README "Versions tested"). */
const CDK_VERSION = '2.276.0';
const CDK_CLI_VERSION = '2.1148.1';
const CONSTRUCTS_VERSION = '10.8.1';
const TYPESCRIPT_VERSION = '~5.9.3';
const PACKAGE_NAME = 'mlops-stack';
/** The app runs cdk-nag's checks, an optional peer dependency of mlops-stack. */
const CDK_NAG = 'cdk-nag@^3.0.2';
const TEMPLATES = path.join(__dirname, 'templates');

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
// GitHub's rule for configuration variable names.
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BRANCH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const NODE_MAJOR = /^\d{2,}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// GitHub allows more in environment names (up to 255 characters); the name is also part of the OIDC subject the
// deploy role trusts, where a plain name is the one that cannot be misread.
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const DEFAULT_DEPLOY_VARIABLE = 'AWS_DEPLOY_ROLE_ARN';
const DEFAULT_DIFF_VARIABLE = 'AWS_DIFF_ROLE_ARN';

/**
 * A platform repository on mlops-stack: an AWS CDK app in TypeScript with its tests and its GitHub Actions
 * workflows.
 *
 * Writes, besides what `awscdk.AwsCdkTypeScriptApp` writes (`package.json`, `tsconfig*.json`, `cdk.json`, jest
 * and eslint):
 * - `src/main.ts`, the app (an `MlopsPlatform`: the registry, each team's budget and anomaly alerts, with
 *   `gpuCluster` each team's GPU pool; with `githubRepository` the workflows' roles), and `test/main.test.ts`,
 *   snapshots of every stack plus budget and pool billing checks: written once, then the repository's own;
 * - `src/platform.generated.ts`, the settings above, regenerated by `npx projen`;
 * - `.github/workflows/pull-request.yml` (`npm test`, `cdk diff`, the cost report as a comment) and
 *   `deploy.yml` (`cdk deploy` on a push to the default branch), both through GitHub's OIDC provider.
 *
 * Create one with `npx projen@0.103.25 new --from mlops-stack --cost-center <value> --alert-emails <address>`.
 *
 * @pjid mlops-platform
 */
export class MlopsPlatformProject extends awscdk.AwsCdkTypeScriptApp {
  /** The teams billed on the platform. */
  public readonly teams: string[];

  constructor(options: MlopsPlatformProjectOptions) {
    validate(options);
    const { deps, devDeps } = splitDependencies(options.deps ?? [], options.devDeps ?? []);
    super({
      // Passes on what `projen new` adds (its bootstrap settings) as well as the options above.
      ...options,
      defaultReleaseBranch: options.defaultReleaseBranch ?? 'main',
      cdkVersion: CDK_VERSION,
      // The `latest` aws-cdk CLI (3.x) cannot read what aws-cdk-lib 2.276 writes.
      cdkCliVersion: CDK_CLI_VERSION,
      constructsVersion: CONSTRUCTS_VERSION,
      typescriptVersion: TYPESCRIPT_VERSION,
      // Without it projen asks for an @types/node dist-tag some registries do not serve.
      minNodeVersion: '20.0.0',
      workflowNodeVersion: options.workflowNodeVersion ?? '20',
      packageManager: javascript.NodePackageManager.NPM,
      projenrcTs: true,
      sampleCode: false,
      // A repository of infrastructure, not a published package.
      licensed: false,
      tsconfig: {
        // As `cdk init` sets them. isolatedModules: ts-jest transpiles file by file (type-checking is the test
        // task's first step); skipLibCheck: an error in a dependency's .d.ts does not fail the app's type-check.
        compilerOptions: { isolatedModules: true, skipLibCheck: true },
      },
      // The test task type-checks; `cdk synth`, `diff` and `deploy` only run the app (seconds, not tens of them).
      app: 'npx ts-node -P tsconfig.json --prefer-ts-exts --transpile-only src/main.ts',
      eslintOptions: {
        dirs: ['src'],
        devdirs: ['test', 'build-tools'],
        fileExtensions: ['.ts'],
        // CI must never rewrite source.
        commandOptions: { fix: false },
      },
      deps,
      devDeps,
      jestOptions: {
        // jest 30 needs unrs-resolver, whose per-platform bindings not every registry mirror serves.
        jestVersion: '^29',
        junitReporting: false,
        // CI must fail on a changed template, never rewrite its snapshot: `npx projen test:update` does.
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
      },
      // The workflows are the two below; projen's own (build, release, upgrade) are not wanted here.
      github: false,
      buildWorkflow: false,
      release: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      readme: { contents: readTemplate('README.md.txt') },
    });
    this.teams = [...(options.teams ?? ['ml-team'])];

    // AwsCdkTypeScriptApp has no compile step (ts-node runs the app): the tests type-check first.
    this.testTask.prependExec(`tsc --noEmit -p ${this.tsconfigDev.fileName}`);
    new TextFile(this, 'src/platform.generated.ts', {
      readonly: true,
      lines: renderConfig({
        teams: this.teams,
        platformTeam: options.platformTeam ?? 'ml-platform',
        tags: {
          project: options.projectTag ?? options.name,
          costCenter: options.costCenter,
          environment: options.environment ?? 'prod',
        },
        monthlyBudgetUsd: options.monthlyBudgetUsd ?? 1000,
        alertEmails: options.alertEmails,
        account: options.awsAccount,
        region: options.awsRegion ?? 'us-east-1',
        gpuCluster: options.gpuCluster ?? false,
        teamGpuLimit: options.teamGpuLimit ?? 8,
        activateCostAllocationTags: options.activateCostAllocationTags ?? false,
        github: options.githubRepository === undefined ? undefined : {
          repository: options.githubRepository,
          branch: options.defaultReleaseBranch ?? 'main',
          environment: options.deployEnvironment,
          deployRoleArnVariable: options.deployRoleArnVariable ?? DEFAULT_DEPLOY_VARIABLE,
          diffRoleArnVariable: options.diffRoleArnVariable ?? DEFAULT_DIFF_VARIABLE,
          deploySessionHours: options.deploySessionHours ?? 1,
          existingOidcProvider: options.existingOidcProvider ?? false,
        },
      }),
    });
    new SampleFile(this, 'src/main.ts', { contents: readTemplate('main.ts.txt') });
    new SampleFile(this, `${this.testdir}/main.test.ts`, { contents: readTemplate('main.test.ts.txt') });

    new FormatNewProjenrc(this, this.eslint!);
    addWorkflows(this, {
      branch: options.defaultReleaseBranch ?? 'main',
      region: options.awsRegion ?? 'us-east-1',
      account: options.awsAccount,
      repository: options.githubRepository,
      deployRoleArnVariable: options.deployRoleArnVariable ?? DEFAULT_DEPLOY_VARIABLE,
      diffRoleArnVariable: options.diffRoleArnVariable ?? DEFAULT_DIFF_VARIABLE,
      deployEnvironment: options.deployEnvironment,
      deploySessionHours: options.deploySessionHours ?? 1,
      nodeVersion: options.workflowNodeVersion ?? '20',
    });
  }
}

function readTemplate(file: string): string {
  return readFileSync(path.join(TEMPLATES, file), 'utf8');
}

/**
 * `projen new --from mlops-stack` lists the package in `devDeps`; the app loads it at run time, so it moves to
 * `deps`. A tarball (`--from ./mlops-stack-0.0.0.tgz`) becomes a `file:` dependency. Without any spec of it, the
 * version this project type comes from is added.
 */
function splitDependencies(deps: readonly string[], devDeps: readonly string[]): { deps: string[]; devDeps: string[] } {
  const isTarball = (spec: string) => /\.tgz$/.test(spec) && path.basename(spec).startsWith(`${PACKAGE_NAME}-`);
  const isSelf = (spec: string) => spec === PACKAGE_NAME || spec.startsWith(`${PACKAGE_NAME}@`) || isTarball(spec);
  const self = [...deps, ...devDeps].filter(isSelf)
    .map(spec => (isTarball(spec) && !spec.startsWith(`${PACKAGE_NAME}@`) ? `${PACKAGE_NAME}@file:${spec.replace(/^file:/, '')}` : spec));
  return {
    deps: [...deps.filter(d => !isSelf(d)), ...(self.length > 0 ? self : [`${PACKAGE_NAME}@^${ownVersion()}`]), CDK_NAG],
    devDeps: devDeps.filter(d => !isSelf(d)),
  };
}

function ownVersion(): string {
  // src/project/ in this repository, lib/src/project/ in the package: the package.json is two or three levels up.
  for (const up of ['../..', '../../..']) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(__dirname, up, 'package.json'), 'utf8'));
      if (manifest.name === PACKAGE_NAME) {
        return manifest.version;
      }
    } catch {
      // not at this level
    }
  }
  throw new MlopsStackError(`cannot find the package.json of ${PACKAGE_NAME} above ${__dirname}`);
}

interface PlatformConfig {
  readonly teams: string[];
  readonly platformTeam: string;
  readonly tags: { readonly project: string; readonly costCenter: string; readonly environment: string };
  readonly monthlyBudgetUsd: number;
  readonly alertEmails: string[];
  readonly account?: string;
  readonly region: string;
  readonly gpuCluster: boolean;
  readonly teamGpuLimit: number;
  readonly activateCostAllocationTags: boolean;
  readonly github?: GitHubConfig;
}

interface GitHubConfig {
  readonly repository: string;
  readonly branch: string;
  readonly environment?: string;
  readonly deployRoleArnVariable: string;
  readonly diffRoleArnVariable: string;
  readonly deploySessionHours: number;
  readonly existingOidcProvider: boolean;
}

function renderConfig(config: PlatformConfig): string[] {
  return [
    '// ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".',
    '',
    '/** The platform\'s settings: the options of MlopsPlatformProject in .projenrc.ts. */',
    'export interface PlatformConfig {',
    '  /** The teams billed on the platform: values of the `team` tag, each with a monthly budget. */',
    '  readonly teams: readonly string[];',
    '  /** The team billed for the shared services. */',
    '  readonly platformTeam: string;',
    '  /** The `project`, `cost-center` and `environment` tags of every resource. */',
    '  readonly tags: { readonly project: string; readonly costCenter: string; readonly environment: string };',
    '  /** Monthly cost budget of each team, in USD. */',
    '  readonly monthlyBudgetUsd: number;',
    '  /** Who receives the budget and anomaly alerts. */',
    '  readonly alertEmails: readonly string[];',
    '  /** The AWS account of the stacks; undefined: environment-agnostic. */',
    '  readonly account?: string;',
    '  /** The AWS region of the platform\'s stacks (the cost guardrails are in us-east-1). */',
    '  readonly region: string;',
    '  /** An EKS GPU cluster with a GPU pool per team. */',
    '  readonly gpuCluster: boolean;',
    '  /** Most GPUs each team\'s pool runs at once. */',
    '  readonly teamGpuLimit: number;',
    '  /** Activate the tag keys as cost allocation tags (payer account, once resources carry them). */',
    '  readonly activateCostAllocationTags: boolean;',
    '  /** The repository whose workflows assume the deploy and diff roles; undefined: no roles in the app. */',
    '  readonly github?: {',
    '    readonly repository: string;',
    '    /** The branch that deploys (without an environment). */',
    '    readonly branch: string;',
    '    /** The GitHub environment of the deploy job. */',
    '    readonly environment?: string;',
    '    readonly deployRoleArnVariable: string;',
    '    readonly diffRoleArnVariable: string;',
    '    /** The deploy role\'s maximum session, in hours. */',
    '    readonly deploySessionHours: number;',
    '    /** Import the account\'s GitHub OIDC provider instead of creating it. */',
    '    readonly existingOidcProvider: boolean;',
    '  };',
    '}',
    '',
    `export const platformConfig: PlatformConfig = ${JSON.stringify(config, undefined, 2)};`,
    '',
  ];
}

function validate(options: MlopsPlatformProjectOptions): void {
  const problems: string[] = [];
  // The same rules as at synth time (CostAttribution, CostGuardrails), reported here at `projen new` already.
  const tagProblems = (option: string, key: string, value: string) => {
    for (const problem of TagSchema.DEFAULT.problems({ [key]: value })) {
      problems.push(`${option}: ${problem.message}`);
    }
  };
  if (options.defaultReleaseBranch !== undefined && !BRANCH.test(options.defaultReleaseBranch)) {
    problems.push(`defaultReleaseBranch ("${options.defaultReleaseBranch}") must be a branch name of letters, digits and . _ / -`);
  }
  const teams = options.teams ?? ['ml-team'];
  if (teams.length === 0) {
    problems.push('teams is empty; list at least one team, e.g. teams: [\'fraud\']');
  }
  teams.forEach((team, i) => {
    tagProblems(`teams[${i}]`, 'team', team);
    if (teams.indexOf(team) !== i) {
      problems.push(`teams[${i}] ("${team}") is listed twice; each team has one budget`);
    }
    // The team is its namespace's and queue's name, and `<team>-gpu` its pool's: DNS-1123 labels of 63 at most.
    if (options.gpuCluster && !(DNS_LABEL.test(team) && team.length <= 59)) {
      problems.push(`teams[${i}] ("${team}") must be a DNS label with gpuCluster (lower-case letters, digits and '-', ` +
        'at most 59 characters): it names the team\'s namespace, queue and pool');
    }
  });
  const gpuLimit = options.teamGpuLimit;
  if (gpuLimit !== undefined && !(Number.isInteger(gpuLimit) && gpuLimit >= 1 && gpuLimit <= 10_000)) {
    problems.push(`teamGpuLimit (${options.teamGpuLimit}) must be a whole number of GPUs from 1 to 10000`);
  }
  if (options.teamGpuLimit !== undefined && !options.gpuCluster) {
    problems.push('teamGpuLimit is set without gpuCluster: true; there is no pool to limit');
  }
  tagProblems('platformTeam', 'team', options.platformTeam ?? 'ml-platform');
  tagProblems('costCenter', 'cost-center', options.costCenter ?? '');
  tagProblems('environment', 'environment', options.environment ?? 'prod');
  tagProblems(options.projectTag === undefined ? 'projectTag (default: name)' : 'projectTag', 'project', options.projectTag ?? options.name);
  if (options.monthlyBudgetUsd !== undefined && !(Number.isFinite(options.monthlyBudgetUsd) && options.monthlyBudgetUsd > 0)) {
    problems.push(`monthlyBudgetUsd (${options.monthlyBudgetUsd}) must be a positive number of USD`);
  }
  const emails = options.alertEmails ?? [];
  if (emails.length === 0) {
    problems.push('alertEmails is empty; budgets and anomaly alerts need at least one address, e.g. alertEmails: [\'finops@example.com\']');
  }
  if (emails.length > 10) {
    problems.push(`alertEmails has ${emails.length} addresses; a budget notification takes at most 10`);
  }
  emails.forEach((email, i) => {
    if (!EMAIL.test(email)) {
      problems.push(`alertEmails[${i}] ("${email}") is not an email address`);
    }
  });
  if (options.awsAccount !== undefined && !/^\d{12}$/.test(options.awsAccount)) {
    problems.push(`awsAccount ("${options.awsAccount}") must be 12 digits`);
  }
  if (options.awsRegion !== undefined && !REGION.test(options.awsRegion)) {
    problems.push(`awsRegion ("${options.awsRegion}") is not a region name such as "us-east-1"`);
  }
  if (options.githubRepository !== undefined && !REPOSITORY.test(options.githubRepository)) {
    problems.push(`githubRepository ("${options.githubRepository}") must be "owner/name"`);
  }
  for (const key of ['deployRoleArnVariable', 'diffRoleArnVariable'] as const) {
    const value = options[key];
    if (value !== undefined && (!VARIABLE.test(value) || /^GITHUB_/i.test(value))) {
      problems.push(`${key} ("${value}") must be a GitHub variable name: letters, digits and underscores, not starting with a digit or GITHUB_`);
    }
  }
  const deployVariable = options.deployRoleArnVariable ?? DEFAULT_DEPLOY_VARIABLE;
  if (deployVariable === (options.diffRoleArnVariable ?? DEFAULT_DIFF_VARIABLE)) {
    problems.push(`deployRoleArnVariable and diffRoleArnVariable are both "${deployVariable}"; pull requests must assume a separate, read-only role`);
  }
  if (options.deployEnvironment !== undefined && !ENVIRONMENT.test(options.deployEnvironment)) {
    problems.push(`deployEnvironment ("${options.deployEnvironment}") must be 1 to 255 letters, digits, '.', '_' or '-'`);
  }
  if (options.existingOidcProvider && options.githubRepository === undefined) {
    problems.push('existingOidcProvider is set without githubRepository; only the MlopsGitHubCi stack of the workflows\' roles uses the provider');
  }
  const hours = options.deploySessionHours;
  if (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= 12)) {
    problems.push(`deploySessionHours (${hours}) must be a whole number of hours from 1 to 12, IAM's range for a role session`);
  }
  if (options.workflowNodeVersion !== undefined && !NODE_MAJOR.test(options.workflowNodeVersion)) {
    problems.push(`workflowNodeVersion ("${options.workflowNodeVersion}") must be a Node.js major version such as "20"`);
  }
  if (problems.length === 1) {
    throw new MlopsStackError(problems[0], 'MlopsPlatformProject');
  }
  if (problems.length > 1) {
    throw new MlopsStackError(`invalid options:\n  - ${problems.join('\n  - ')}`, 'MlopsPlatformProject');
  }
}
