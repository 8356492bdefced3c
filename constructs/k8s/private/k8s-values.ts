import type { Duration } from 'cdk8s';
import { isResolved } from './errors';
import type { CostTags, TagSchema } from '../../../src/tags/tag-schema';

/** DNS-1123 label: what Kubernetes accepts as a namespace name. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL_MAX = 63;

/**
 * The problem with `value` as a DNS-1123 label (a namespace or object name), or undefined when it is one.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
export function dnsLabelProblem(prop: string, value: string): string | undefined {
  if (value.length === 0 || value.length > DNS_1123_LABEL_MAX || !DNS_1123_LABEL.test(value)) {
    return `${prop} ("${value}") must be a DNS-1123 label: 1 to ${DNS_1123_LABEL_MAX} characters, lower-case ` +
      'letters, digits and "-", starting and ending with a letter or digit (e.g. "fraud-detection")';
  }
  return undefined;
}

/**
 * A duration in the form Karpenter's CRD accepts (`^([0-9]+(s|m|h))+$`), e.g. `720h` or `1h30m`.
 * cdk8s' own rendering (`PT1H30M`) is ISO 8601, which Karpenter rejects.
 */
export function goDuration(duration: Duration): string {
  const total = Math.round(duration.toSeconds());
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''].join('');
  return parts || '0s';
}

/** Whether `n` is a whole number greater than zero. */
export function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/**
 * Cost labels for `tags`: values known at synth time are checked by the schema (and must be valid label
 * values); values that are CDK tokens, resolved only at deploy time, are passed through unchecked.
 */
export function costLabelsOf(schema: TagSchema, tags: CostTags, path: string): Record<string, string> {
  const labels = schema.toLabels(resolvedTags(tags), path);
  for (const [key, value] of Object.entries(tags)) {
    if (!isResolved(value)) {
      labels[schema.labelKey(key)] = value;
    }
  }
  return labels;
}

/** The tag values known at synth time: the ones to validate. */
export function resolvedTags(tags: CostTags): CostTags {
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => isResolved(v)));
}

/** Largest value of an int32 field (replica counts, weights, priorities, quota numbers the CRDs type as int32). */
export const INT32_MAX = 2_147_483_647;

// A Kubernetes resource quantity: a signed decimal number with an optional binary (Ki..Ei) or decimal (n..E)
// suffix, or an exponent (apimachinery's resource.Quantity grammar).
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * The problem with `value` as a Kubernetes quantity (`500m`, `2`, `4Gi`), or undefined when it is one.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export function quantityProblem(prop: string, value: string): string | undefined {
  if (!QUANTITY.test(value) || value.startsWith('-')) {
    return `${prop} ("${value}") must be a Kubernetes quantity such as "500m", "2" or "4Gi" (a non-negative number with an ` +
      'optional suffix m, k, M, G, Ki, Mi, Gi, ...)';
  }
  return undefined;
}
