import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient, type ModelPackageSummary } from '@aws-sdk/client-sagemaker';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { gateMain } from '../../../src/registry/cli';

export const GROUP = 'fraud-scoring';
export const arnOf = (version: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/${version}`;

/** A package summary as ListModelPackages returns it. */
export function summary(version: number, status: 'Approved' | 'PendingManualApproval' | 'Rejected', extra: Partial<ModelPackageSummary> = {}): ModelPackageSummary {
  return {
    ModelPackageGroupName: GROUP,
    ModelPackageVersion: version,
    ModelPackageArn: arnOf(version),
    CreationTime: new Date(Date.UTC(2026, 10, version)),
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: status,
    ...extra,
  };
}

/** An S3 GetObject body holding `text` (the part of the SDK's stream the gate uses). */
export function body(text: string): any {
  return { transformToString: async () => text };
}

/**
 * Stubs a group whose packages each have an evaluation JSON at s3://evals/<version>.json.
 *
 * @param packages the summaries, one page
 * @param evaluations the evaluation document of each version
 */
export function stubGroup(sm: AwsClientStub<SageMakerClient>, s3: AwsClientStub<S3Client>, packages: ModelPackageSummary[],
  evaluations: Record<number, unknown>): void {
  sm.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: packages });
  for (const p of packages) {
    const v = p.ModelPackageVersion!;
    sm.on(DescribeModelPackageCommand, { ModelPackageName: p.ModelPackageArn }).resolves({
      ModelPackageName: GROUP,
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: v,
      ModelPackageArn: p.ModelPackageArn,
      CreationTime: p.CreationTime,
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: p.ModelApprovalStatus,
      ...(evaluations[v] !== undefined ? { ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://evals/${v}.json` } } } } : {}),
    });
    if (evaluations[v] !== undefined) {
      s3.on(GetObjectCommand, { Bucket: 'evals', Key: `${v}.json` }).callsFake(() => ({ Body: body(typeof evaluations[v] === 'string' ? evaluations[v] as string : JSON.stringify(evaluations[v])) }));
    }
  }
}

/** Records the waits of the retry loop instead of waiting. */
export function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => { waits.push(ms); } };
}

/** Runs the CLI in process with fresh clients (stubbed by aws-sdk-client-mock) and no real waits. */
export async function runGate(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; waits: number[] }> {
  let stdout = '';
  let stderr = '';
  const { waits, sleep } = recordingSleep();
  const code = await gateMain(argv, {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: {},
    sagemaker: new SageMakerClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    sleep,
  });
  return { code, stdout, stderr, waits };
}
