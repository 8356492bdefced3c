import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Asset hashes: SHA-256 hex, alone or inside an S3 key / image tag such as `<hash>.zip`. */
const ASSET_HASH = /[0-9a-f]{64}/g;

/**
 * A stack's CloudFormation template made stable for snapshot tests.
 *
 * Removes what changes when nothing the user wrote changed: asset hashes (a new aws-cdk-lib release rebuilds
 * its handler bundles), the `CDKMetadata` resource and condition (CDK version analytics), and the bootstrap
 * version parameter and rule. Everything else stays, so a changed property still shows in the diff.
 *
 * @example
 * expect(normalizedTemplate(stack)).toMatchSnapshot();
 */
export function normalizedTemplate(stack: Stack): Record<string, any> {
  return normalizeTemplate(Template.fromStack(stack).toJSON());
}

/**
 * {@link normalizedTemplate} for a template already in hand (e.g. read from `cdk.out`).
 */
export function normalizeTemplate(template: Record<string, any>): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(template));
  delete copy.Resources?.CDKMetadata;
  delete copy.Conditions?.CDKMetadataAvailable;
  delete copy.Parameters?.BootstrapVersion;
  delete copy.Rules?.CheckBootstrapVersion;
  for (const section of ['Conditions', 'Parameters', 'Rules']) {
    if (copy[section] && Object.keys(copy[section]).length === 0) {
      delete copy[section];
    }
  }
  return replaceHashes(copy);
}

function replaceHashes(value: unknown): any {
  if (typeof value === 'string') {
    return value.replace(ASSET_HASH, '[ASSET-HASH]');
  }
  if (Array.isArray(value)) {
    return value.map(replaceHashes);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(ASSET_HASH, '[ASSET-HASH]'), replaceHashes(v)]));
  }
  return value;
}
