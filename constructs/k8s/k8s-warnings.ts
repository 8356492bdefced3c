import type { IConstruct } from 'constructs';

/** Construct metadata type under which {@link K8sWarnings} records its warnings. */
const WARNING_METADATA = 'mlops-stack:k8s-warning';

/**
 * A warning about a chart that still synthesizes and deploys but deserves attention.
 */
export interface K8sWarning {
  /** Stable identifier, `mlops-stack:<id>`, for filtering and acknowledging. */
  readonly id: string;
  /** What is wrong and how to fix it, prefixed with the construct path. */
  readonly message: string;
  /** Path of the construct the warning is about. */
  readonly path: string;
}

/**
 * Warnings on cdk8s constructs, which have no `Annotations` of their own.
 *
 * A warning is recorded as construct metadata (so tests and tools read it with {@link K8sWarnings.of}) and
 * emitted once as a Node.js process warning, so `cdk synth` or `cdk8s synth` prints it on stderr whichever
 * app synthesizes the chart. A stack that embeds charts (e.g. with `cluster.addCdk8sChart`) can forward them
 * to aws-cdk-lib's `Annotations` so they also land in the cloud assembly:
 *
 * @example
 * for (const w of K8sWarnings.of(chart)) {
 *   Annotations.of(cluster).addWarningV2(w.id, w.message);
 * }
 */
export class K8sWarnings {
  /**
   * Record a warning on `scope`.
   *
   * @param id stable identifier without the `mlops-stack:` prefix, e.g. `team-quota-exceeds-pools`
   */
  public static add(scope: IConstruct, id: string, message: string): void {
    const warning: K8sWarning = { id: `mlops-stack:${id}`, message: `${scope.node.path}: ${message}`, path: scope.node.path };
    scope.node.addMetadata(WARNING_METADATA, warning);
    process.emitWarning(warning.message, { code: warning.id });
  }

  /**
   * Every warning recorded on `scope` and the constructs below it, in tree order.
   */
  public static of(scope: IConstruct): K8sWarning[] {
    return scope.node.findAll().flatMap(c => c.node.metadata.filter(m => m.type === WARNING_METADATA).map(m => m.data as K8sWarning));
  }

  private constructor() {}
}
