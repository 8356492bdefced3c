/**
 * Pure checks for GPU cluster input. Each returns problem sentences (empty when the value is fine) so the
 * construct can collect every problem and throw once.
 */

// Semantic Versioning 2.0.0, without a leading "v": Helm chart versions are SemVer 2 and the chart
// repositories these constructs pin (Karpenter, Kueue, NVIDIA) publish bare versions.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Problems with a pinned Helm chart version. */
export function chartVersionProblems(prop: string, version: string): string[] {
  if (SEMVER.test(version)) {
    return [];
  }
  const hint = /^v\d/.test(version) ? `; drop the leading "v" ("${version.slice(1)}")` : '';
  return [`${prop} ("${version}") must be an exact semantic version such as 1.14.1 (no ranges, no "latest")${hint}; ` +
    'pin the version the chart repository publishes so every deploy installs the same chart'];
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Problems with one IPv4 CIDR allowed to reach the public API endpoint. EKS accepts IPv4 blocks only, and
 * rejects blocks with host bits set at deploy time; both are caught here instead.
 */
export function endpointCidrProblems(prop: string, cidr: string, allowAnyIpv4: boolean): string[] {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) {
    return [`${prop}: "${cidr}" is not an IPv4 CIDR block such as 203.0.113.0/24; EKS accepts only IPv4 blocks for the public endpoint`];
  }
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some(o => o > 255) || prefix > 32) {
    return [`${prop}: "${cidr}" is not a valid IPv4 CIDR block (octets 0-255, prefix length 0-32)`];
  }
  if (prefix === 0) {
    return allowAnyIpv4 ? [] : [`${prop}: "${cidr}" opens the Kubernetes API endpoint to the whole internet; list the ` +
      'office or VPN ranges that need it, use ClusterEndpoint.privateOnly(), or pass { allowAnyIpv4: true } to ' +
      'ClusterEndpoint.publicAndPrivate() if that is really intended'];
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const blockSize = 2 ** (32 - prefix);
  const network = Math.floor(address / blockSize) * blockSize;
  if (network !== address) {
    const dotted = [3, 2, 1, 0].map(i => Math.floor(network / 256 ** i) % 256).join('.');
    return [`${prop}: "${cidr}" has host bits set; EKS rejects it at deploy time: use "${dotted}/${prefix}"`];
  }
  return [];
}

/** Problems with the sizes of a node group. */
export function nodeGroupSizeProblems(prefix: string, minSize: number, desiredSize: number, maxSize: number): string[] {
  const problems: string[] = [];
  for (const [name, value] of [['minSize', minSize], ['desiredSize', desiredSize], ['maxSize', maxSize]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      problems.push(`${prefix}.${name} (${value}) must be a whole number of nodes, 0 or more`);
    }
  }
  if (problems.length > 0) {
    return problems;
  }
  if (minSize < 1) {
    problems.push(`${prefix}.minSize (${minSize}) must be at least 1: Karpenter, CoreDNS and Kueue run on the system ` +
      'nodes, and Karpenter cannot run on nodes it launches itself');
  }
  if (minSize > maxSize) {
    problems.push(`${prefix}.minSize (${minSize}) must not exceed maxSize (${maxSize}); raise maxSize or lower minSize`);
  }
  if (desiredSize < minSize || desiredSize > maxSize) {
    problems.push(`${prefix}.desiredSize (${desiredSize}) must be between minSize (${minSize}) and maxSize (${maxSize})`);
  }
  return problems;
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;

/** Problems with an EKS cluster name. */
export function clusterNameProblems(name: string): string[] {
  if (name.length > 100 || !CLUSTER_NAME.test(name)) {
    return [`clusterName ("${name}") must be 1 to 100 characters, start with a letter or digit and contain only ` +
      'letters, digits, "-" and "_" (the EKS cluster name rules)'];
  }
  return [];
}

/** Problems with a chart version below the major version the library needs. */
export function minimumVersionProblems(prop: string, version: string, minMajor: number, why: string): string[] {
  const major = /^(\d+)\./.exec(version)?.[1];
  if (major !== undefined && Number(major) < minMajor) {
    return [`${prop} ("${version}") must be ${minMajor}.0.0 or later: ${why}`];
  }
  return [];
}
