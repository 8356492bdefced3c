import { MlopsStackError } from '../errors';

/**
 * Values of cost-attribution tags, by tag key: `{ team: 'fraud', project: 'scoring', ... }`.
 */
export type CostTags = Readonly<Record<string, string>>;

/**
 * One tag key of a {@link TagSchema}.
 */
export interface TagKeyDefinition {
  /**
   * The tag key as it appears on AWS resources and in Cost Explorer (case-sensitive).
   *
   * @see https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
   */
  readonly key: string;

  /**
   * Whether every billed resource must carry this key.
   *
   * @default false
   */
  readonly required?: boolean;

  /**
   * Name part of the Kubernetes label key for this tag (the label key is `labelPrefix` + this name).
   *
   * @default - the tag key itself
   */
  readonly labelName?: string;

  /**
   * What the key means, for documentation and error messages.
   *
   * @default - none
   */
  readonly description?: string;
}

/**
 * Properties of a custom {@link TagSchema}.
 */
export interface TagSchemaProps {
  /**
   * Every key the schema knows. Tags outside this list are rejected, so a typo (`costcenter` for
   * `cost-center`) is caught at synth time instead of silently splitting a bill.
   */
  readonly keys: TagKeyDefinition[];

  /**
   * The key that identifies the team: cost reports group spend by it. Must be one of `keys` and required.
   */
  readonly teamKey: string;

  /**
   * The key constructs set to a model's name on its resources (registry buckets prefixes, repositories,
   * model package groups, endpoints).
   *
   * @default - no per-model tag is added
   */
  readonly modelKey?: string;

  /**
   * The key constructs set to a pipeline's name on its resources.
   *
   * @default - no per-pipeline tag is added
   */
  readonly pipelineKey?: string;

  /**
   * Prefix of the Kubernetes label keys derived from the tag keys, a DNS subdomain followed by `/`.
   *
   * @default 'mlops-stack.io/'
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
   */
  readonly labelPrefix?: string;
}

/**
 * One problem found in a set of tag values.
 */
export interface TagProblem {
  /** The tag key the problem is about. */
  readonly key: string;
  /** A sentence naming the value, the rule it breaks and what is allowed. */
  readonly message: string;
}

/** AWS: keys 1-128 characters, values 0-256, letters, digits, spaces and `_ . : / = + - @`. */
const AWS_TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const AWS_TAG_KEY_MAX = 128;
const AWS_TAG_VALUE_MAX = 256;
/** Kubernetes: label names and values up to 63 characters, alphanumeric at both ends, `-_.` inside. */
const K8S_LABEL_PART = /^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/;
const K8S_LABEL_MAX = 63;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Which tag keys exist, which are required, and which identifies the team.
 *
 * The same schema drives what the constructs tag and what the cost report groups by, and it turns tag values
 * into Kubernetes labels with the same keys, so pods, namespaces and instances are attributed alike.
 * It has no aws-cdk-lib dependency: runtime code (the cost report) uses it too.
 *
 * @example
 * // An organisation whose keys are `owner` and `CostCenter`:
 * const schema = TagSchema.define({
 *   keys: [
 *     { key: 'owner', required: true },
 *     { key: 'CostCenter', required: true, labelName: 'cost-center' },
 *     { key: 'env', required: true },
 *   ],
 *   teamKey: 'owner',
 * });
 */
export class TagSchema {
  /**
   * The default schema: required `team`, `project`, `cost-center`, `environment`; optional `model`, `pipeline`.
   */
  public static readonly DEFAULT: TagSchema = TagSchema.define({
    keys: [
      { key: 'team', required: true, description: 'the team that owns and pays for the resource' },
      { key: 'project', required: true, description: 'the project or product the spend belongs to' },
      { key: 'cost-center', required: true, description: 'the finance cost centre charged' },
      { key: 'environment', required: true, description: 'dev, staging, prod, ...' },
      { key: 'model', description: 'the model a registry or serving resource belongs to' },
      { key: 'pipeline', description: 'the training or promotion pipeline a resource belongs to' },
    ],
    teamKey: 'team',
    modelKey: 'model',
    pipelineKey: 'pipeline',
  });

  /**
   * Define a custom schema. Throws {@link MlopsStackError} listing every problem with the definition.
   */
  public static define(props: TagSchemaProps): TagSchema {
    return new TagSchema(props);
  }

  /** Every key, in definition order. */
  public readonly keys: readonly TagKeyDefinition[];
  /** The keys every billed resource must carry. */
  public readonly requiredKeys: readonly string[];
  /** The key cost reports group by. */
  public readonly teamKey: string;
  /** The key set to a model's name, if the schema has one. */
  public readonly modelKey?: string;
  /** The key set to a pipeline's name, if the schema has one. */
  public readonly pipelineKey?: string;
  /** Prefix of derived Kubernetes label keys, ending in `/`. */
  public readonly labelPrefix: string;

  private readonly byKey: Map<string, TagKeyDefinition>;

  private constructor(props: TagSchemaProps) {
    const problems: string[] = [];
    const labelPrefix = props.labelPrefix ?? 'mlops-stack.io/';
    if (!labelPrefix.endsWith('/') || !DNS_SUBDOMAIN.test(labelPrefix.slice(0, -1)) || labelPrefix.length - 1 > 253) {
      problems.push(`labelPrefix ("${labelPrefix}") must be a DNS subdomain of at most 253 characters followed by "/", e.g. "mlops.example.com/"`);
    }
    if (props.keys.length === 0) {
      problems.push('keys must not be empty; define at least the team key');
    }
    const byKey = new Map<string, TagKeyDefinition>();
    const labelNames = new Map<string, string>();
    for (const def of props.keys) {
      if (byKey.has(def.key)) {
        problems.push(`keys: "${def.key}" is defined twice; define each key once`);
        continue;
      }
      byKey.set(def.key, def);
      problems.push(...awsKeyProblems(def.key).map(p => `keys: ${p}`));
      const labelName = def.labelName ?? def.key;
      if (labelName.length > K8S_LABEL_MAX || labelName.length === 0 || !K8S_LABEL_PART.test(labelName)) {
        problems.push(`keys: "${def.key}" cannot become a Kubernetes label name ("${labelName}": at most ${K8S_LABEL_MAX} characters, [A-Za-z0-9._-], alphanumeric at both ends); set labelName for this key`);
      } else if (labelNames.has(labelName)) {
        problems.push(`keys: "${def.key}" and "${labelNames.get(labelName)}" map to the same label name "${labelName}"; set a distinct labelName`);
      } else {
        labelNames.set(labelName, def.key);
      }
    }
    const team = byKey.get(props.teamKey);
    if (!team) {
      problems.push(`teamKey ("${props.teamKey}") must be one of the defined keys: ${[...byKey.keys()].join(', ')}`);
    } else if (!team.required) {
      problems.push(`teamKey ("${props.teamKey}") must be a required key, since reports group every resource by it; set required: true on it`);
    }
    for (const [prop, key] of [['modelKey', props.modelKey], ['pipelineKey', props.pipelineKey]] as const) {
      if (key !== undefined && !byKey.has(key)) {
        problems.push(`${prop} ("${key}") must be one of the defined keys: ${[...byKey.keys()].join(', ')}`);
      }
    }
    if (problems.length > 0) {
      throw new MlopsStackError(`invalid tag schema:\n  - ${problems.join('\n  - ')}`);
    }
    this.keys = [...props.keys];
    this.byKey = byKey;
    this.requiredKeys = props.keys.filter(k => k.required).map(k => k.key);
    this.teamKey = props.teamKey;
    this.modelKey = props.modelKey;
    this.pipelineKey = props.pipelineKey;
    this.labelPrefix = labelPrefix;
  }

  /** Whether `key` is part of the schema. */
  public hasKey(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The Kubernetes label key for a tag key: `team` → `mlops-stack.io/team`. */
  public labelKey(key: string): string {
    const def = this.byKey.get(key);
    if (!def) {
      throw new MlopsStackError(`tag key "${key}" is not in the schema; known keys: ${[...this.byKey.keys()].join(', ')}`);
    }
    return this.labelPrefix + (def.labelName ?? def.key);
  }

  /**
   * `tags` with the team key set to `team`: the platform's tags (project, cost centre, environment) for one
   * team's pool or namespace. Explicit, so that handing the platform's own team tag to a team is never silent.
   */
  public forTeam(tags: CostTags, team: string): CostTags {
    return { ...tags, [this.teamKey]: team };
  }

  /** Required keys that `tags` lacks (an empty value counts as missing). */
  public missingKeys(tags: CostTags): string[] {
    return this.requiredKeys.filter(k => !tags[k]);
  }

  /**
   * Every problem with a set of tag values: unknown keys, AWS tag rules, and values that cannot be Kubernetes
   * label values. Does not check that required keys are present (values may be given at several scopes);
   * see {@link missingKeys}.
   */
  public problems(tags: CostTags): TagProblem[] {
    const out: TagProblem[] = [];
    for (const [key, value] of Object.entries(tags)) {
      if (!this.byKey.has(key)) {
        out.push({ key, message: `tag key "${key}" is not in the schema; allowed keys: ${[...this.byKey.keys()].join(', ')}` });
        continue;
      }
      out.push(...awsValueProblems(key, value).map(message => ({ key, message })));
      const labelProblem = labelValueProblem(key, value);
      if (labelProblem) {
        out.push({ key, message: labelProblem });
      }
    }
    return out;
  }

  /**
   * Throw {@link MlopsStackError} listing every problem of {@link problems}.
   *
   * @param tags the values to check
   * @param path construct path to prefix the error with
   */
  public assertValid(tags: CostTags, path?: string): void {
    const problems = this.problems(tags);
    if (problems.length > 0) {
      throw new MlopsStackError(`invalid cost-attribution tags:\n  - ${problems.map(p => p.message).join('\n  - ')}`, path);
    }
  }

  /**
   * The Kubernetes labels for a set of tag values: same keys under {@link labelPrefix}, same values.
   * A value that is not a valid label value is an error, never silently rewritten: a rewritten label would
   * no longer match the tag that finance groups by.
   */
  public toLabels(tags: CostTags, path?: string): Record<string, string> {
    this.assertValid(tags, path);
    const labels: Record<string, string> = {};
    for (const def of this.keys) {
      const value = tags[def.key];
      if (value !== undefined) {
        labels[this.labelKey(def.key)] = value;
      }
    }
    return labels;
  }

  /**
   * Tag values back from Kubernetes labels (the inverse of {@link toLabels}); labels outside the prefix are
   * ignored.
   */
  public fromLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const def of this.keys) {
      const value = labels[this.labelKey(def.key)];
      if (value !== undefined) {
        tags[def.key] = value;
      }
    }
    return tags;
  }
}

function awsKeyProblems(key: string): string[] {
  const problems: string[] = [];
  if (key.length === 0 || key.length > AWS_TAG_KEY_MAX) {
    problems.push(`tag key "${key}" must be 1 to ${AWS_TAG_KEY_MAX} characters long (got ${key.length})`);
  }
  if (!AWS_TAG_CHARS.test(key)) {
    problems.push(`tag key "${key}" may contain only letters, digits, spaces and _ . : / = + - @`);
  }
  if (key.toLowerCase().startsWith('aws:')) {
    problems.push(`tag key "${key}" must not start with "aws:", which AWS reserves for its own tags`);
  }
  return problems;
}

function awsValueProblems(key: string, value: string): string[] {
  const problems: string[] = [];
  if (value.length === 0) {
    problems.push(`tag "${key}" has an empty value; give it a value or leave the key out`);
  }
  if (value.length > AWS_TAG_VALUE_MAX) {
    problems.push(`tag "${key}" value is ${value.length} characters long; AWS allows at most ${AWS_TAG_VALUE_MAX}`);
  }
  if (!AWS_TAG_CHARS.test(value)) {
    problems.push(`tag "${key}" value "${value}" may contain only letters, digits, spaces and _ . : / = + - @`);
  }
  if (value.toLowerCase().startsWith('aws:')) {
    problems.push(`tag "${key}" value "${value}" must not start with "aws:", which AWS reserves`);
  }
  return problems;
}

function labelValueProblem(key: string, value: string): string | undefined {
  if (value.length > K8S_LABEL_MAX || !K8S_LABEL_PART.test(value)) {
    return `tag "${key}" value "${value}" cannot be a Kubernetes label value (at most ${K8S_LABEL_MAX} characters, ` +
      '[A-Za-z0-9._-], starting and ending alphanumeric); the same value labels pods and namespaces, so choose ' +
      'one valid for both, e.g. "ml-platform" rather than "ML Platform"';
  }
  return undefined;
}
