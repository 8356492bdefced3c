import * as path from 'node:path';
import { DependencyType, javascript, typescript, JsonFile } from 'projen';

/**
 * mlops-stack: constructs (synth time) in `constructs/`, runtime code and the shared tag schema in `src/`.
 *
 * Versions pinned here, and why:
 * - aws-cdk-lib 2.276 / constructs 10.8: peer dependencies (one copy of the construct tree in a user's app);
 *   the dev copies are pinned to the lowest supported version so we test what we claim to support.
 * - aws-cdk CLI 2.1148.1: the `latest` tag (3.x) cannot read the cloud assembly schema aws-cdk-lib 2.276 writes.
 * - typescript ~5.9.3: ts-jest 29 accepts TypeScript < 7.
 * - jest 29 and eslint-import-resolver-typescript 3.6.3: see the note after the project definition.
 * - cfn-lint and moto (Python) are pinned in test/tools/requirements.txt, installed into .venv by
 *   test/tools/python-tools.sh.
 * - @sparticuz/chromium 153: an npm package that ships a headless Chromium, so the HTML report's browser test
 *   needs no system browser (npm's playwright and puppeteer download theirs from hosts CI cannot reach).
 */
const CDK_VERSION = '2.276.0';
const CONSTRUCTS_VERSION = '10.8.1';
const CDK_NAG_VERSION = '3.0.2';
const REPOSITORY = 'https://github.com/mlops-stack/mlops-stack.git';

const project = new typescript.TypeScriptProject({
  name: 'mlops-stack',
  description: 'Infrastructure-as-code constructs for an MLOps stack on AWS: GPU compute on EKS with Karpenter and Kueue, a model registry, and per-team cost attribution with a Cost Explorer report.',
  license: 'Apache-2.0',
  copyrightOwner: 'mlops-stack contributors',
  repository: REPOSITORY,
  keywords: ['awscdk', 'cdk8s', 'mlops', 'karpenter', 'kueue', 'sagemaker'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  // .projenrc.ts is type-checked with everything else by `npm test` (tsconfig.json includes it); running it
  // needs no extra tsconfig.
  projenrcTsOptions: {
    runner: typescript.TypeScriptRunner.tsNode({ tsconfig: 'tsconfig.json', typeCheck: false }),
    // projen always writes a tsconfig for its rc file; keep it out of the top level (the runner above uses
    // tsconfig.json).
    projenCodeDir: '.projen/rc',
  },
  packageManager: javascript.NodePackageManager.NPM,
  // Without it projen asks for an @types/node dist-tag the registry does not serve.
  minNodeVersion: '20.0.0',
  typescriptVersion: '~5.9.3',
  sampleCode: false,
  release: false,
  github: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  prettier: false,

  // Two top-level source folders compile into lib/src and lib/constructs.
  srcdir: 'src',
  libdir: 'lib',
  entrypoint: 'lib/constructs/index.js',
  entrypointTypes: 'lib/constructs/index.d.ts',
  // The cost report's CLI and the champion/challenger gate's; `npm run report` and `npm run gate` run them from
  // source without a build.
  bin: { 'mlops-cost-report': 'lib/src/cost-report/cli.js', 'mlops-model-gate': 'lib/src/registry/cli.js' },
  tsconfig: {
    // The build config emits only what ships (the examples too, so they run from the installed package);
    // tsconfig.json (below) covers every folder for editors, type-checking, jest and eslint.
    fileName: 'tsconfig.build.json',
    include: ['src/**/*.ts', 'constructs/**/*.ts', 'examples/**/*.ts'],
    compilerOptions: {
      rootDir: '.',
      outDir: 'lib',
      lib: ['es2022'],
      target: 'ES2022',
      module: 'CommonJS',
      skipLibCheck: true,
    },
  },
  tsconfigDevFile: 'tsconfig.json',
  tsconfigDev: {
    include: ['src/**/*.ts', 'constructs/**/*.ts', 'examples/**/*.ts', 'test/**/*.ts'],
    exclude: ['node_modules', 'lib', 'cdk.out', 'test/bench/blueprints'],
    compilerOptions: {
      // ts-jest transpiles file by file when the tsconfig sets isolatedModules (type-checking is a separate
      // `tsc --noEmit` step of the test task): about 3x faster on an EKS test file.
      isolatedModules: true,
    },
  },

  // cdk-nag is an optional peer: only the shipped example (lib/examples/platform/main.js) loads it.
  peerDeps: [`aws-cdk-lib@^${CDK_VERSION}`, `constructs@^${CONSTRUCTS_VERSION}`, `cdk-nag@^${CDK_NAG_VERSION}`],
  deps: [
    'cdk8s@^2.70.106',
    'cdk8s-plus-28@^2.5.6',
    '@aws-sdk/client-sagemaker@^3.1142.0',
    '@aws-sdk/client-cost-explorer@^3.1138.0',
    // The cost report keys its cache of closed months by the caller's account ID (GetCallerIdentity); same
    // SDK v3 major and floor as the other clients so they share one @aws-sdk/core.
    '@aws-sdk/client-sts@^3.1142.0',
    // S3: the champion/challenger gate reads the evaluation JSON a model package's ModelMetrics point at; the
    // scheduled cost report (src/cost-report/schedule) writes its reports and cache there and posts its summary
    // to SNS. Same major and floor as the other clients.
    '@aws-sdk/client-s3@^3.1142.0',
    '@aws-sdk/client-sns@^3.1142.0',
    // CostReportSchedule bundles its Lambda handler at synth time in the user's app (no Docker): a run-time
    // dependency of the constructs, not a dev one.
    'esbuild@^0.28.2',
    // kubectl handler layer for manifests/charts applied through aws-eks-v2; v35 matches the cluster version
    // and is the newest that exists (-v37 does not).
    '@aws-cdk/lambda-layer-kubectl-v35@^2.2.2',
  ],
  devDeps: [
    'aws-cdk@2.1148.1',
    'aws-sdk-client-mock@^4.1.0',
    'cdk8s-cli@^2.207.60',
    'ts-node@^10.9.2',
    'ajv@^8.20.0',
    'ajv-formats@^3.0.1',
    'yaml@^2.9.1',
    'playwright-core@^1.65.1',
    '@sparticuz/chromium@^153.0.0',
    // Evaluates the pool tenancy admission policy's CEL in tests, as the API server would.
    '@bufbuild/cel@0.6.1',
    '@bufbuild/protobuf@^2.6.2',
    'eslint-plugin-jest@^28',
    // ts-jest requires jest-util at run time but declares it an optional peer; with jest 29 npm no longer hoists
    // a copy to the top level by chance.
    'jest-util@^29',
  ],

  jest: true,
  jestOptions: {
    jestVersion: '^29',
    junitReporting: false,
    // CI must never rewrite snapshots: `npm test` fails on a mismatch, `npx projen test:update` updates.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      collectCoverage: false,
      setupFiles: ['<rootDir>/test/setup.ts'],
      // Fails any test that reads a file outside the repository (a clone has nothing beside it), and gives the
      // run a temporary directory of its own and an empty AWS config.
      setupFilesAfterEnv: ['<rootDir>/test/harness/no-outside-reads.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
      // jest's transform cache, inside the repository like every other file a test process touches.
      cacheDirectory: '<rootDir>/node_modules/.cache/jest',
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/cdk.out/'],
      // Each synth of an EKS stack takes a few seconds; two workers match the 2-core CI machine.
      maxWorkers: 2,
      testTimeout: 120_000,
    },
  },
  tsJestOptions: {
    transformOptions: {
      tsconfig: typescript.TsJestTsconfig.fromFile('tsconfig.json'),
    },
  },

  eslint: true,
  eslintOptions: {
    dirs: ['src', 'constructs'],
    devdirs: ['test', 'examples', '.projenrc.ts'],
    fileExtensions: ['.ts'],
    // CI must never rewrite source.
    commandOptions: { fix: false },
    ignorePatterns: ['constructs/k8s/imports/**', 'lib/**', 'cdk.out/**', 'test/bench/blueprints/**', '*.d.ts', '*.js'],
  },

  gitignore: ['cdk.out/', '.venv/', '.cache/', '*.tsbuildinfo', 'test/bench/blueprints/node_modules/', 'report-out/'],
});

// npm pack ships lib/ (JavaScript and .d.ts of src, constructs and examples, and the report's JSON schema), the
// examples' TypeScript source, README and LICENSE; test/package/tarball.test.ts checks the list.
for (const pattern of ['/constructs/', '/cdk.out/', '/.venv/', '/.ci/', '/cdk.json', '/lib/test/', '/dist/',
  // The cost report's cache and output hold billing data: never publish them.
  '/.cache/', '/report-out/']) {
  project.addPackageIgnore(pattern);
}
// Only our own test files; projen's defaults also scan src/ for tests.
project.tryFindObjectFile('package.json')!.addOverride('jest.testMatch', ['<rootDir>/test/**/*.test.ts']);
project.tsconfigDev.file.addOverride('include', ['src/**/*.ts', 'constructs/**/*.ts', 'examples/**/*.ts', 'test/**/*.ts', '.projenrc.ts']);

// jest 30 and eslint-import-resolver-typescript 4 depend on unrs-resolver, whose per-platform optional
// bindings the registry mirror CI uses does not serve for every platform: the lock file then misses them and
// `npm ci` refuses to run. jest 29 (jestVersion above) and the resolver 3.6 use pure-JavaScript resolvers.
// Added after construction because projen's eslint component adds the resolver unpinned.
project.deps.addDependency('eslint-import-resolver-typescript@3.6.3', DependencyType.BUILD);

// Entry points: `mlops-stack` is the whole library (constructs need aws-cdk-lib); `mlops-stack/k8s` the cdk8s
// charts and the tag schema, which load no aws-cdk-lib; `mlops-stack/runtime` the run-time part alone (tag schema,
// cost report), for tools that run without aws-cdk-lib; and the JSON Schema of the cost report's JSON output.
// typesVersions gives the same subpaths to TypeScript projects whose moduleResolution ignores `exports` (node10,
// the aws-cdk app template's).
const ENTRY_POINTS: Record<string, string> = {
  '.': 'lib/constructs/index',
  './k8s': 'lib/constructs/k8s/index',
  './runtime': 'lib/src/index',
};
const REPORT_SCHEMA = 'lib/src/cost-report/render/cost-report.schema.json';
project.package.addField('exports', {
  ...Object.fromEntries(Object.entries(ENTRY_POINTS).map(([subpath, file]) => [subpath, { types: `./${file}.d.ts`, default: `./${file}.js` }])),
  './cost-report.schema.json': `./${REPORT_SCHEMA}`,
  './package.json': './package.json',
});
project.package.addField('typesVersions', {
  '*': Object.fromEntries(Object.entries(ENTRY_POINTS).filter(([subpath]) => subpath !== '.').map(([subpath, file]) => [subpath.slice(2), [`${file}.d.ts`]])),
});
project.addPackageIgnore('*.tsbuildinfo');
project.package.addField('peerDependenciesMeta', { 'cdk-nag': { optional: true } });

// The JSON Schema of the cost report's JSON output ships next to the compiled renderer.
project.postCompileTask.exec(`cp src/cost-report/render/cost-report.schema.json ${path.posix.dirname(REPORT_SCHEMA)}/`);
// `npm run package` builds what it packs from a clean lib/, so the tarball never misses the schema nor carries
// the output of a deleted source file.
project.packageTask.reset();
project.packageTask.exec('rm -rf lib dist/js');
project.packageTask.spawn(project.compileTask);
project.packageTask.spawn(project.postCompileTask);
project.packageTask.exec('mkdir -p dist/js');
project.packageTask.exec('npm pack --pack-destination dist/js');

setupLayoutRules(project);
setupTestTask(project);
setupCdkApp(project);
setupApiDocs(project);
setupProjectType(project);

project.synth();

/** Lint rules that encode the architecture and keep tests honest. */
function setupLayoutRules(p: typescript.TypeScriptProject) {
  const eslint = p.eslint!;
  // tsconfig.json includes .projenrc.ts (so `npm test` type-checks it): it needs no "default project".
  eslint.file.addOverride('parserOptions.projectService', true);
  // src/ is what runs at run time and what both sides share: it must never pull in synth-time code.
  eslint.addOverride({
    files: ['src/**/*.ts'],
    rules: {
      'import/no-restricted-paths': ['error', {
        zones: [{ target: './src', from: './constructs', message: 'src/ is runtime code and must not import constructs/.' }],
      }],
    },
  });
  // An expect() without a matcher asserts nothing.
  eslint.addPlugins('jest');
  eslint.addOverride({
    files: ['test/**/*.ts'],
    rules: {
      'jest/valid-expect': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/no-focused-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*', 'Template.**', 'Annotations.**', 'template.**', 'annotations.**'] }],
    },
  });
}

/**
 * `npm test`: type-check, Python validators, jest (snapshots never updated), eslint (never --fix).
 */
function setupTestTask(p: typescript.TypeScriptProject) {
  const test = p.tasks.tryFind('test')!;
  test.reset();
  test.exec('tsc --noEmit -p tsconfig.json', { name: 'typecheck' });
  test.exec('bash test/tools/python-tools.sh', { name: 'python validators (cfn-lint, moto) into .venv' });
  test.exec('jest --passWithNoTests=false --ci');
  test.spawn(p.tasks.tryFind('eslint')!);

  p.addTask('synth:example', {
    description: 'Synthesize the full platform example (no AWS account needed)',
    exec: 'cdk synth --quiet',
  });
  p.addTask('report', {
    description: 'Per-team cost report from Cost Explorer (try: npm run report -- --sample)',
    exec: 'ts-node --transpile-only src/cost-report/cli.ts',
    receiveArgs: true,
  });
  p.addTask('gate', {
    description: 'Champion/challenger gate of a model package group (try: npm run gate -- --help)',
    exec: 'ts-node --transpile-only src/registry/cli.ts',
    receiveArgs: true,
  });
  p.addTask('bench', {
    description: 'Benchmarks: synth time, report throughput, memory, API calls, detection quality',
    exec: 'ts-node --transpile-only test/bench/run.ts',
    // `npm run bench -- anomaly` runs only the benchmarks whose file name contains "anomaly".
    receiveArgs: true,
  });
}

/** cdk.json points at the full platform example; env-agnostic, so it synthesizes without credentials. */
function setupCdkApp(p: typescript.TypeScriptProject) {
  new JsonFile(p, 'cdk.json', {
    obj: {
      // Transpile-only: type-checking is `npm test`'s job; this keeps `cdk synth` at seconds, not tens of them.
      app: 'npx ts-node --transpile-only --project tsconfig.json examples/platform/main.ts',
      output: 'cdk.out',
      watch: { include: ['constructs/**', 'examples/**'] },
      context: {
        // The serving stack references the registry's bucket and the cluster's VPC: keep CloudFormation's
        // strong references (an export cannot be removed while imported), stated so the choice is explicit.
        '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      },
    },
    omitEmpty: true,
  });
}

/**
 * `npm run docs`: the API reference of the package's entry points (`constructs/index.ts` is `mlops-stack`,
 * `constructs/k8s/index.ts` is `mlops-stack/k8s`, `src/index.ts` is `mlops-stack/runtime`) as Markdown in
 * docs/api/, generated from the JSDoc by TypeDoc with warnings as errors, so a broken `{@link}` fails the task.
 * The output is git-ignored and not packed: it is rebuilt from the source in seconds, and committed it would
 * change with every doc comment and conflict between branches. test/docs.test.ts runs the generator on every
 * `npm test`.
 *
 * typedoc 0.28 is the release line that supports TypeScript 5.9; typedoc-plugin-markdown 4.x requires it.
 */
function setupApiDocs(p: typescript.TypeScriptProject) {
  p.addDevDeps('typedoc@~0.28.20', 'typedoc-plugin-markdown@~4.14.1');
  p.addTask('docs', {
    description: 'API reference of the public API, from the JSDoc, as Markdown in docs/api/ (try: npm run docs -- --out <dir>)',
    exec: 'typedoc',
    receiveArgs: true,
  });
  p.package.addField('typedocOptions', {
    entryPoints: ['constructs/index.ts', 'constructs/k8s/index.ts', 'src/index.ts'],
    tsconfig: 'tsconfig.build.json',
    plugin: ['typedoc-plugin-markdown'],
    out: 'docs/api',
    // The README is the guide; the reference is the API alone.
    readme: 'none',
    treatWarningsAsErrors: true,
    // Source links without asking git: a clone may have no remote (or one that is a local path), which would make
    // TypeDoc warn, and warnings are errors here.
    disableGit: true,
    sourceLinkTemplate: `${REPOSITORY.replace(/\.git$/, '')}/blob/main/{path}#L{line}`,
    basePath: '.',
    validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, unusedMergeModuleWith: true },
    // Types generated by `cdk8s import` (constructs/k8s/imports/) that public props and escape hatches name: they
    // stay behind the typed charts and out of the reference. TypeDoc warns (an error here) once one of them is
    // exported or no longer referenced, so the list cannot go stale.
    intentionallyNotExported: ['InferenceService', 'NodePoolSpecLimits', 'NodePoolSpecTemplateSpecRequirements'],
  });
  // The generated CRD classes carry cdk8s import's `@schema` tag; TypeDoc reads tsdoc.json beside the tsconfig.
  new JsonFile(p, 'tsdoc.json', {
    obj: {
      $schema: 'https://developer.microsoft.com/json-schemas/tsdoc/v0/tsdoc.schema.json',
      extends: ['typedoc/tsdoc.json'],
      tagDefinitions: [{ tagName: '@schema', syntaxKind: 'block' }],
    },
    allowComments: true,
  });
  p.gitignore.exclude('/docs/api/');
  p.addPackageIgnore('/docs/');
  p.addPackageIgnore('/tsdoc.json');
}

/**
 * The projen project type of a platform repository (src/project/), for `npx projen new --from mlops-stack`.
 * projen finds project types and their options only in a package's jsii assembly (`.jsii`): jsii compiles the
 * project type alone into one (src/project/build-assembly.ts), the package itself stays tsc-compiled. projen is
 * an optional peer: only the project type loads it, on first access.
 */
function setupProjectType(p: typescript.TypeScriptProject) {
  p.addPeerDeps('projen@^0.103.25');
  p.package.file.addOverride('peerDependenciesMeta.projen', { optional: true });
  // jsii follows TypeScript's minor version: 5.9.x compiles with TypeScript 5.9, as the package does.
  p.addDevDeps('jsii@~5.9.54');
  // jsii requires an author; the same owner as the license's.
  p.package.addField('author', { name: 'mlops-stack contributors', organization: true });
  // projen resolves `<package>/.jsii`, which `exports` must allow. `mlops-stack/project` is the project type's own
  // module (the main module loads it on first access), an entry point of the API reference too.
  p.package.file.addOverride('exports.\\./\\.jsii', './.jsii');
  p.package.file.addOverride('exports.\\./project', { types: './lib/src/project/mlops-platform-project.d.ts', default: './lib/src/project/mlops-platform-project.js' });
  p.package.file.addOverride('typesVersions.*.project', ['lib/src/project/mlops-platform-project.d.ts']);
  p.package.file.addToArray('typedocOptions.entryPoints', 'src/project/mlops-platform-project.ts');
  p.gitignore.exclude('/.jsii');
  // The project type reads its file templates next to its compiled code.
  p.postCompileTask.exec('mkdir -p lib/src/project/templates && cp src/project/templates/* lib/src/project/templates/');
  p.postCompileTask.exec('ts-node --transpile-only src/project/build-assembly.ts');
  p.addPackageIgnore('/lib/src/project/build-assembly.*');
  // projen's own JSDoc tags (the project type's id, an option's value in a new .projenrc.ts), for TypeDoc.
  p.tryFindObjectFile('tsdoc.json')!.addToArray('tagDefinitions',
    { tagName: '@pjid', syntaxKind: 'block' }, { tagName: '@pjnew', syntaxKind: 'block' });
}
