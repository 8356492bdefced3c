import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { MODEL, PIPELINE_ACCOUNT, promotionFixture, promotionProps, REGION } from './promotion-fixtures';
import { ModelPromotion } from '../../../constructs';

/**
 * The build steps run as synthesized (read back from the template) against a stand-in `aws` command that logs
 * its arguments and answers from FAKE_* variables, so the step's decisions are tested without an account.
 */
const f = promotionFixture();
new ModelPromotion(f.stack, 'Promotion', promotionProps(f));
const projects = Object.values(Template.fromStack(f.stack).findResources('AWS::CodeBuild::Project'));
const script = (description: RegExp): string => {
  const project = projects.find(p => description.test(p.Properties.Description))!;
  const spec = JSON.parse(project.Properties.Source.BuildSpec);
  expect(spec.env.shell).toBe('bash');
  expect(spec.phases.build.commands).toHaveLength(1);
  return spec.phases.build.commands[0];
};
const envOf = (description: RegExp): Record<string, string> => {
  const project = projects.find(p => description.test(p.Properties.Description))!;
  return Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((e: any) => [e.Name, e.Value]));
};
const RESOLVE = /Resolves/;
const SMOKE = /Invokes/;

const FAKE_AWS = `#!/bin/bash
echo "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "sagemaker list-model-packages") printf '%s\\n' "$FAKE_LATEST";;
  "sagemaker describe-model-package") printf '%s\\n' "$FAKE_STATUS";;
  "sagemaker-runtime invoke-endpoint")
    if [ -n "\${FAKE_FAIL:-}" ]; then echo "An error occurred (ModelError) when calling the InvokeEndpoint operation" >&2; exit 255; fi
    for last; do :; done
    echo '{"predictions": [0.93]}' > "$last";;
  *) echo "unexpected aws call: $*" >&2; exit 2;;
esac
`;

interface Run { readonly status: number | null; readonly stderr: string; readonly stdout: string; readonly calls: string[]; readonly dir: string }

function run(shell: string, env: Record<string, string>): Run {
  const dir = mkdtempSync(path.join(tmpdir(), 'promotion-script-'));
  const bin = path.join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  writeFileSync(path.join(bin, 'aws'), FAKE_AWS);
  chmodSync(path.join(bin, 'aws'), 0o755);
  const log = path.join(dir, 'calls.log');
  writeFileSync(log, '');
  const r = spawnSync('bash', ['-c', shell], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log, ...env },
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean), dir };
}

const ARN = (v: number, group = MODEL) => `arn:aws:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package/${group}/${v}`;

describe('the resolve step', () => {
  const resolve = script(RESOLVE);
  const env = envOf(RESOLVE);

  test('is given the group and the parameter name', () => {
    expect(env.GROUP_NAME).toBe(MODEL);
    expect(env.PARAMETER_NAME).toBe('ModelPackageArn');
  });

  test('with the default variable, deploys the newest Approved version of the group', () => {
    const r = run(resolve, { ...env, GROUP_ARN: 'arn:group', REQUESTED_PACKAGE_ARN: 'latest', FAKE_LATEST: ARN(7) });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(r.dir, 'package.json'), 'utf8'))).toEqual({ ModelPackageArn: ARN(7) });
    expect(r.calls).toEqual(['sagemaker list-model-packages --model-package-group-name arn:group --model-approval-status Approved ' +
      '--sort-by CreationTime --sort-order Descending --max-results 1 --query ModelPackageSummaryList[0].ModelPackageArn --output text']);
  });

  test('fails when the group has no Approved version', () => {
    const r = run(resolve, { ...env, GROUP_ARN: 'arn:group', REQUESTED_PACKAGE_ARN: 'latest', FAKE_LATEST: 'None' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no Approved version/);
    expect(existsSync(path.join(r.dir, 'package.json'))).toBe(false);
  });

  test('deploys a requested version (a rollback) when it is Approved', () => {
    const r = run(resolve, { ...env, GROUP_ARN: 'arn:group', REQUESTED_PACKAGE_ARN: ARN(5), FAKE_STATUS: 'Approved' });
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(r.dir, 'package.json'), 'utf8'))).toEqual({ ModelPackageArn: ARN(5) });
    expect(r.calls).toEqual([`sagemaker describe-model-package --model-package-name ${ARN(5)} --query ModelApprovalStatus --output text`]);
  });

  test.each(['Rejected', 'PendingManualApproval'])('refuses a requested version that is %s', status => {
    const r = run(resolve, { ...env, GROUP_ARN: 'arn:group', REQUESTED_PACKAGE_ARN: ARN(5), FAKE_STATUS: status });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`has the approval status ${status}: only Approved versions are promoted`);
    expect(existsSync(path.join(r.dir, 'package.json'))).toBe(false);
  });

  test('refuses a version of another group without calling AWS', () => {
    const r = run(resolve, { ...env, GROUP_ARN: 'arn:group', REQUESTED_PACKAGE_ARN: ARN(2, 'churn') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not a version of the model package group fraud-scoring/);
    expect(r.calls).toEqual([]);
  });
});

describe('the smoke test', () => {
  const smoke = script(SMOKE);
  const env = envOf(SMOKE);

  test('invokes the staging endpoint with the sample payload, byte for byte', () => {
    const r = run(smoke, env);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(r.dir, 'payload.bin'), 'utf8')).toBe('{"instances": [[0.1, 3, 7]]}');
    expect(r.calls).toEqual(['sagemaker-runtime invoke-endpoint --endpoint-name fraud-staging --content-type application/json ' +
      '--accept application/json --body fileb://payload.bin response.out']);
    expect(r.stdout).toContain('{"predictions": [0.93]}');
  });

  test('fails the stage when the endpoint answers with an error', () => {
    const r = run(smoke, { ...env, FAKE_FAIL: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ModelError/);
  });
});
