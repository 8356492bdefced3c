#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { METRIC_DIRECTIONS, fmt, type MetricDirection } from './decision';
import { ModelGateError } from './errors';
import { runModelGate, type ModelGateResult } from './gate';
import type { Sleep } from '../cost-report/explorer/throttle';

/** Exit codes of `mlops-model-gate`. */
export const GATE_EXIT = {
  /** The challenger was approved (with --dry-run: would be). */
  APPROVED: 0,
  /** The challenger was rejected (with --dry-run: would be). */
  REJECTED: 1,
  /** Bad command line: a missing flag, a threshold that is not a number, an unknown direction. */
  USAGE: 2,
  /** A SageMaker or S3 call failed: throttled after retries, an evaluation JSON that does not exist, other AWS errors. */
  AWS_FAILED: 3,
  /** A package's metric is missing or not a number, or its evaluation JSON is not JSON. Nothing was changed. */
  METRICS: 4,
  /** No decision, nothing changed: no package awaits approval, or no champion yet and no --threshold. */
  NO_DECISION: 5,
  /** No credentials, or access denied: the message names the IAM action. */
  ACCESS_DENIED: 6,
  /** An internal error: a bug, reported with its message (the stack trace with MLOPS_MODEL_GATE_DEBUG=1). */
  INTERNAL: 70,
} as const;

/** What the CLI talks to; tests pass their own. */
export interface GateCliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default - a client from the default credential chain */
  readonly sagemaker?: SageMakerClient;
  /** @default - a client like the SageMaker one's */
  readonly s3?: S3Client;
  /** Waits between retries (tests). @default - real timers */
  readonly sleep?: Sleep;
}

const USAGE = `Usage: mlops-model-gate --group NAME --metric NAME --direction maximize|minimize [options]

Champion/challenger gate of a SageMaker model package group. Compares the newest model package awaiting
approval (PendingManualApproval, the challenger) with the newest approved one (Approved, the champion) on one
metric, then approves or rejects the challenger with a description of the decision. Progress goes to stderr,
the decision to stdout.

Required
  --group NAME              model package group (name or ARN)
  --metric NAME             metric to compare, such as auc or mse
  --direction DIR           maximize (larger is better) or minimize (smaller is better)

Rule
  --min-improvement N       how much better than the champion the challenger must be, in the metric's
                            units, at least 0 (default: 0); a tie never approves
  --threshold N             an absolute bound every challenger must meet (at least N when maximizing,
                            at most N when minimizing). With no champion yet, the first model is approved
                            if it meets it; without --threshold it is left pending (exit ${GATE_EXIT.NO_DECISION}).
                            A negative value needs the = form: --threshold=-1.5

Metrics
  --metric-path PATH        dot-separated path to the metric in the evaluation JSON, such as
                            evaluation.holdout.auc (default: look the metric name up in
                            <problem>_metrics.NAME.value, metrics.NAME, then NAME)
                            A package's evaluation JSON is the S3 object its
                            ModelMetrics.ModelQuality.Statistics.S3Uri names; a metric it lacks is read
                            from the package's CustomerMetadataProperties under the metric name.

Run
  --dry-run                 print the decision, change nothing (same exit codes)
  --json                    print the decision as JSON on stdout
  --endpoint URL            SageMaker and S3 endpoint (a local test server)
  --max-attempts N          attempts per request when throttled (default: 5)
  -q, --quiet               no progress on stderr
  --version                 print the version
  -h, --help                print this help

Exit codes
  ${GATE_EXIT.APPROVED}   the challenger was approved (--dry-run: would be)
  ${GATE_EXIT.REJECTED}   the challenger was rejected (--dry-run: would be)
  ${GATE_EXIT.USAGE}   bad command line
  ${GATE_EXIT.AWS_FAILED}   a SageMaker or S3 call failed (throttled after retries, missing evaluation JSON,
      other AWS errors); nothing was changed
  ${GATE_EXIT.METRICS}   a package's metric is missing or not a number; the message lists the metrics found
  ${GATE_EXIT.NO_DECISION}   no decision, nothing changed: no package awaits approval, or no champion and no
      --threshold
  ${GATE_EXIT.ACCESS_DENIED}   no credentials, or access denied (the message names the IAM action)
  ${GATE_EXIT.INTERNAL}  internal error (a bug; MLOPS_MODEL_GATE_DEBUG=1 prints the stack trace)
`;

/**
 * Run the gate's CLI. Returns the exit code instead of exiting, so it can be tested in process.
 *
 * @param argv arguments after the program name
 * @param io streams, environment and (for tests) the clients
 */
export async function gateMain(argv: readonly string[], io: GateCliIo): Promise<number> {
  let args: Record<string, string | boolean | undefined>;
  try {
    args = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'group': { type: 'string' },
        'metric': { type: 'string' },
        'direction': { type: 'string' },
        'min-improvement': { type: 'string' },
        'threshold': { type: 'string' },
        'metric-path': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'json': { type: 'boolean' },
        'endpoint': { type: 'string' },
        'max-attempts': { type: 'string' },
        'quiet': { type: 'boolean', short: 'q' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean' },
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    io.stderr.write(`mlops-model-gate: ${(err as Error).message}\n\n${USAGE}`);
    return GATE_EXIT.USAGE;
  }
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    io.stdout.write(`mlops-model-gate ${packageVersion()}\n`);
    return 0;
  }
  const problems: string[] = [];
  const required = (flag: string, example: string): string => {
    const v = args[flag] as string | undefined;
    if (v === undefined || v.trim() === '') {
      problems.push(`--${flag} is required (${example})`);
      return '';
    }
    return v;
  };
  const number = (flag: string, rule: string, ok: (n: number) => boolean): number | undefined => {
    const text = args[flag] as string | undefined;
    if (text === undefined) {
      return undefined;
    }
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      problems.push(`--${flag} ("${text}") must be ${rule}`);
      return undefined;
    }
    return n;
  };
  const group = required('group', 'the model package group name, such as fraud-scoring');
  const metric = required('metric', 'such as auc or mse');
  const direction = required('direction', METRIC_DIRECTIONS.join(' or '));
  if (direction && !(METRIC_DIRECTIONS as readonly string[]).includes(direction)) {
    problems.push(`--direction ("${direction}") must be ${METRIC_DIRECTIONS.join(' or ')}`);
  }
  const minImprovement = number('min-improvement', 'a number of at least 0, such as 0.01', n => n >= 0);
  const threshold = number('threshold', 'a number, such as 0.8', () => true);
  const maxAttempts = number('max-attempts', 'a whole number of at least 1', n => Number.isInteger(n) && n >= 1);
  const metricPath = args['metric-path'] as string | undefined;
  if (metricPath !== undefined && !/^[^.]+(\.[^.]+)*$/.test(metricPath)) {
    problems.push(`--metric-path ("${metricPath}") must be keys separated by dots, such as evaluation.holdout.auc`);
  }
  if (problems.length > 0) {
    const text = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`;
    io.stderr.write(`mlops-model-gate: ${text}\nRun mlops-model-gate --help for the flags.\n`);
    return GATE_EXIT.USAGE;
  }

  const dryRun = args['dry-run'] === true;
  try {
    const result = await runModelGate({
      modelPackageGroupName: group,
      metric,
      direction: direction as MetricDirection,
      minImprovement,
      threshold,
      metricPath,
      dryRun,
      endpoint: args.endpoint as string | undefined,
      maxAttempts,
      sagemaker: io.sagemaker,
      s3: io.s3,
      sleep: io.sleep,
      onProgress: args.quiet ? undefined : line => io.stderr.write(`${line}\n`),
    });
    io.stdout.write(args.json ? `${JSON.stringify(toJson(result, dryRun), null, 2)}\n` : summary(result, dryRun));
    return result.decision.outcome === 'approve' ? GATE_EXIT.APPROVED
      : result.decision.outcome === 'reject' ? GATE_EXIT.REJECTED : GATE_EXIT.NO_DECISION;
  } catch (err) {
    if (err instanceof ModelGateError) {
      io.stderr.write(`mlops-model-gate: ${err.message}\nNothing was changed.\n`);
      return exitCodeOf(err);
    }
    const debug = io.env.MLOPS_MODEL_GATE_DEBUG;
    const detail = err instanceof Error ? (debug ? err.stack : err.message) : String(err);
    io.stderr.write(`mlops-model-gate: internal error: ${detail}\nThis is a bug; please report it with the command line` +
      `${debug ? '' : ' (MLOPS_MODEL_GATE_DEBUG=1 prints the stack trace)'}.\n`);
    return GATE_EXIT.INTERNAL;
  }
}

function exitCodeOf(err: ModelGateError): number {
  switch (err.code) {
    case 'bad-option': return GATE_EXIT.USAGE;
    case 'no-credentials':
    case 'access-denied': return GATE_EXIT.ACCESS_DENIED;
    case 'metric-missing':
    case 'metric-malformed': return GATE_EXIT.METRICS;
    default: return GATE_EXIT.AWS_FAILED;
  }
}

function summary(result: ModelGateResult, dryRun: boolean): string {
  const d = result.decision;
  const verb = d.outcome === 'no-decision' ? 'no decision' : dryRun ? `dry run: would ${d.outcome}` : d.outcome === 'approve' ? 'approved' : 'rejected';
  const target = d.challenger ? ` ${d.challenger.version !== undefined ? `v${d.challenger.version}` : d.challenger.arn}` : '';
  // A misspelt group may come back as an empty list rather than an error (moto answers so); say so.
  const empty = result.packagesListed === 0 ? `The group has no model packages at all: check --group ("${result.modelPackageGroupName}"); names are case-sensitive.\n` : '';
  return `${result.modelPackageGroupName}${target}: ${verb}\n${d.description}\n${empty}`;
}

function toJson(result: ModelGateResult, dryRun: boolean): object {
  const d = result.decision;
  return {
    modelPackageGroupName: result.modelPackageGroupName,
    outcome: d.outcome,
    reason: d.reason,
    dryRun,
    applied: result.applied,
    newStatus: result.newStatus ?? null,
    description: d.description,
    rule: { ...d.rule, threshold: d.rule.threshold ?? null },
    challenger: d.challenger ?? null,
    champion: d.champion ?? null,
    improvement: d.improvement === undefined ? null : Number(fmt(d.improvement)),
    packagesListed: result.packagesListed,
    requests: result.requests,
    retries: result.retries,
  };
}

/** The version in the package's package.json (two folders up from src/, three from lib/src/). */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const file = path.join(__dirname, rel);
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mlops-stack' && pkg.version) {
        return pkg.version;
      }
    }
  }
  return 'unknown';
}

if (require.main === module) {
  gateMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
    .then(code => { process.exitCode = code; })
    .catch(err => {
      // gateMain() turns every error into a message; this only runs if writing that message failed.
      process.stderr.write(`mlops-model-gate: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = GATE_EXIT.INTERNAL;
    });
}
