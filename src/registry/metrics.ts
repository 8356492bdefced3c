import { ModelGateError } from './errors';

/**
 * Where a model package's metric value was found.
 */
export interface MetricReading {
  /** The metric's value. */
  readonly value: number;
  /**
   * Where it was read: the evaluation JSON's S3 URI and the path inside it
   * (`s3://bucket/eval.json#binary_classification_metrics.auc.value`), or
   * `CustomerMetadataProperties.<name>`.
   */
  readonly source: string;
}

/** What {@link findMetricInEvaluation} returns: the value with its path, or the metric paths the document has. */
export type EvaluationLookup =
  | { readonly found: true; readonly value: number; readonly path: string }
  | { readonly found: false; readonly available: string[] };

// The SageMaker model quality format groups metrics by problem type: regression_metrics,
// binary_classification_metrics, multiclass_classification_metrics.
const SECTION_SUFFIX = '_metrics';

/**
 * Finds a metric in an evaluation document.
 *
 * With `metricPath` (dot-separated keys, such as `evaluation.auc`), only that path is read. Without it, the
 * metric name is looked up, in this order, in:
 * - the SageMaker model quality format: `{"binary_classification_metrics": {"auc": {"value": 0.91}}}` (any
 *   top-level key ending in `_metrics`, such as `regression_metrics` or `multiclass_classification_metrics`);
 * - a flat map: `{"metrics": {"auc": 0.91}}`;
 * - the top level: `{"auc": 0.91}`.
 *
 * A metric's value is a JSON number, an object with a numeric `value` (the SageMaker format), or a string that
 * is a decimal number. A value that is there but is none of these (`"NaN"`, `null`, a list) throws a
 * {@link ModelGateError} `metric-malformed`: a broken evaluation must not read as a missing metric.
 *
 * @param doc the parsed evaluation JSON
 * @param metric the metric name
 * @param metricPath an explicit path inside the document
 * @param where how to name the document in an error message (its S3 URI)
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
 */
export function findMetricInEvaluation(doc: unknown, metric: string, metricPath?: string, where = 'the evaluation JSON'): EvaluationLookup {
  const candidates: string[][] = [];
  if (metricPath !== undefined) {
    candidates.push(metricPath.split('.'));
  } else {
    if (isObject(doc)) {
      for (const key of Object.keys(doc)) {
        if (key.endsWith(SECTION_SUFFIX)) {
          candidates.push([key, metric]);
        }
      }
    }
    candidates.push(['metrics', metric], [metric]);
  }
  for (const keys of candidates) {
    const raw = walk(doc, keys);
    if (raw === undefined) {
      continue;
    }
    const inner = isObject(raw) && 'value' in raw ? raw.value : raw;
    const path = keys.join('.') + (inner !== raw ? '.value' : '');
    const value = parseMetricValue(inner);
    if (value === undefined) {
      throw new ModelGateError('metric-malformed',
        `${where} has ${path} = ${JSON.stringify(inner)}, which is not a number: the evaluation step must write the metric ` +
        'as a JSON number (or {"value": <number>}); re-run the evaluation, or pick another metric with --metric or --metric-path.');
    }
    return { found: true, value, path };
  }
  return { found: false, available: metricPaths(doc) };
}

/**
 * Parses a metric value: a finite JSON number, or a string holding a decimal number (model package metadata
 * values are strings). Anything else, `NaN` and infinities included, is `undefined`.
 *
 * @param raw the value as found
 */
export function parseMetricValue(raw: unknown): number | undefined {
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? raw : undefined;
  }
  if (typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw)) {
    return Number(raw);
  }
  return undefined;
}

/**
 * Splits an `s3://bucket/key` URI.
 *
 * @param uri the URI, as in `ModelMetrics.ModelQuality.Statistics.S3Uri`
 * @returns the bucket and key, or `undefined` when `uri` is not an S3 URI of an object
 */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

/** Every path to a number-like leaf, for the "metric not found" message; at most 40, shortest first. */
function metricPaths(doc: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown, prefix: string[], depth: number) => {
    if (depth > 4 || !isObject(node)) {
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (isObject(child) && 'value' in child) {
        out.push([...prefix, key].join('.'));
      } else if (typeof child === 'number' || typeof child === 'string') {
        if (parseMetricValue(child) !== undefined) out.push([...prefix, key].join('.'));
      } else {
        visit(child, [...prefix, key], depth + 1);
      }
    }
  };
  visit(doc, [], 0);
  return out.slice(0, 40);
}

function walk(doc: unknown, keys: readonly string[]): unknown {
  let node = doc;
  for (const key of keys) {
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) {
      return undefined;
    }
    node = node[key];
  }
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
