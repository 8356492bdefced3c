import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Project root: the folder with package.json. */
export const ROOT = path.resolve(__dirname, '..', '..');
const VENV_BIN = path.join(ROOT, '.venv', 'bin');

/** One cdk-nag finding that was not acknowledged. */
export interface NagViolation {
  readonly rule: string;
  readonly description: string;
  readonly paths: string[];
}

/** The result of synthesizing an app with cdk-nag's AWS Solutions checks. */
export interface NaggedSynth {
  /** The cloud assembly, when synthesis passed every check. */
  readonly assembly?: CloudAssembly;
  /** Unacknowledged findings; empty when the app passed. */
  readonly violations: NagViolation[];
  readonly outdir: string;
}

/**
 * Synthesize what `build` adds to a fresh App with cdk-nag's AWS Solutions checks, the same way
 * `npx cdk synth` runs the examples. Synthesis throws on any unacknowledged finding; the findings are
 * read back from the validation report aws-cdk-lib writes.
 */
export function synthWithNag(build: (scope: App) => void): NaggedSynth {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-stack-synth-'));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  build(app);
  try {
    return { assembly: app.synth(), violations: [], outdir };
  } catch (e) {
    const report = path.join(outdir, 'validation-report.json');
    if (!existsSync(report)) {
      throw e;
    }
    const parsed = JSON.parse(readFileSync(report, 'utf8'));
    const violations: NagViolation[] = [];
    for (const plugin of parsed.pluginReports ?? []) {
      for (const v of plugin.violations ?? []) {
        violations.push({
          rule: v.ruleName,
          description: v.description,
          paths: (v.violatingConstructs ?? []).map((c: any) => c.constructPath),
        });
      }
    }
    if (violations.length === 0) {
      throw e;
    }
    return { violations, outdir };
  }
}

/** Human-readable list of findings, for test failure messages. */
export function describeViolations(violations: readonly NagViolation[]): string {
  return violations.map(v => `${v.rule}: ${v.description}\n    ${v.paths.join('\n    ')}`).join('\n');
}

/** The result of running cfn-lint. */
export interface CfnLintResult {
  readonly exitCode: number;
  /** Findings at error level (cfn-lint's E rules). */
  readonly errors: string[];
  readonly output: string;
}

/**
 * Run the pinned cfn-lint from `.venv` over templates. Errors (E*) fail; warnings and informational findings
 * are reported in `output` but do not count.
 */
export function cfnLint(templates: readonly string[], extraArgs: readonly string[] = []): CfnLintResult {
  const bin = path.join(VENV_BIN, 'cfn-lint');
  if (!existsSync(bin)) {
    throw new Error('cfn-lint is not installed in .venv; run \'bash test/tools/python-tools.sh\' (npm test does this first)');
  }
  const run = spawnSync(bin, ['--format', 'parseable', ...extraArgs, '--', ...templates], { encoding: 'utf8' });
  if (run.error) {
    throw run.error;
  }
  const output = `${run.stdout}${run.stderr}`;
  // parseable format: file:line:col:endline:endcol:rule:message
  const errors = run.stdout.split('\n').filter(line => /:E\d{4}:/.test(line));
  const exitCode = run.status ?? -1;
  // cfn-lint's exit code is a bit mask of what it found (2 errors, 4 warnings, 8 informational). Anything
  // else, a traceback, or "errors" with no error line means it did not lint, which must not read as "clean".
  const onlyFindingBits = exitCode >= 0 && exitCode < 16 && exitCode % 2 === 0;
  const errorBit = Math.floor(exitCode / 2) % 2 === 1;
  if (!onlyFindingBits || /Traceback/.test(run.stderr) || errorBit !== errors.length > 0) {
    throw new Error(`cfn-lint did not run to completion (exit code ${exitCode}):\n${output}`);
  }
  return { exitCode, errors, output };
}

/** One failed checkov check: which check, on which resource (`<Type>.<LogicalId>`), in which template. */
export interface CheckovFinding {
  readonly check: string;
  readonly resource: string;
  readonly template: string;
}

/**
 * Run the pinned checkov from `.venv` over CloudFormation templates and return its failed checks. Offline:
 * `--skip-download` keeps it from fetching guidelines or a platform's policies.
 */
export function checkov(templates: readonly string[]): CheckovFinding[] {
  const bin = path.join(VENV_BIN, 'checkov');
  if (!existsSync(bin)) {
    throw new Error('checkov is not installed in .venv; run \'bash test/tools/python-tools.sh\' (npm test does this first)');
  }
  const args = ['--framework', 'cloudformation', '--output', 'json', '--compact', '--quiet', '--skip-download', ...templates.flatMap(t => ['--file', t])];
  const run = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    throw run.error;
  }
  // 0: every check passed, 1: some failed. Anything else, or output that is not its report, means it did not run.
  let report: any;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    report = undefined;
  }
  if (![0, 1].includes(run.status ?? -1) || report === undefined) {
    throw new Error(`checkov did not run to completion (exit code ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  const reports: any[] = Array.isArray(report) ? report : [report];
  if (reports.some(r => (r.summary?.parsing_errors ?? 0) > 0)) {
    throw new Error(`checkov could not parse a template:\n${run.stdout}`);
  }
  return reports.flatMap(r => (r.results?.failed_checks ?? []).map((f: any) => ({
    check: f.check_id as string,
    resource: f.resource as string,
    template: path.basename(f.file_path as string),
  })));
}

/** One cdk-nag acknowledgement: where, which rule, and why. */
export interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/** Every `Validations.of(...).acknowledge(...)` below `scope`, read from the construct metadata it records. */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          out.push({ path: c.node.path, rule, reason });
        }
      }
    }
  }
  return out;
}

/** Template files of every stack in an assembly, nested stages included. */
export function templatePaths(assembly: CloudAssembly): string[] {
  const out: string[] = [];
  const visit = (a: CloudAssembly) => {
    for (const stack of a.stacks) {
      out.push(path.join(a.directory, stack.templateFile));
    }
    for (const nested of a.nestedAssemblies) {
      visit(nested.nestedAssembly);
    }
  };
  visit(assembly);
  return out;
}

