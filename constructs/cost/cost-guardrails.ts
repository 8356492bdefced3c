import { Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ce from 'aws-cdk-lib/aws-ce';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CostAttribution } from './cost-attribution';
import { BUDGETS_PRINCIPAL, COST_ALERTS_PRINCIPAL, emailProblems, globalArn, positiveProblem } from './private/cost-services';
import type { TagSchema } from '../../src/tags/tag-schema';
import { throwIfProblems } from '../private/errors';

/** AWS Budgets: at most 10 email subscribers per notification (plus one SNS topic). */
const MAX_BUDGET_EMAILS = 10;
/** AWS Budgets: at most 5 notifications per budget. */
const MAX_NOTIFICATIONS = 5;
const MAX_ACTUAL_PERCENT = 100;
const MAX_FORECAST_PERCENT = 1000;
/** Cost category names, values and the default value: 1 to 50 characters. */
const COST_CATEGORY_TEXT_MAX = 50;

/**
 * One team's monthly budget.
 */
export interface TeamBudget {
  /**
   * The team's monthly cost budget in US dollars. Must be greater than 0.
   */
  readonly monthlyLimitUsd: number;

  /**
   * Percentages of the budget at which actual spend notifies, overriding {@link CostGuardrailsProps.actualThresholdsPercent}.
   *
   * @default - the guardrails' `actualThresholdsPercent`
   */
  readonly actualThresholdsPercent?: number[];

  /**
   * Percentages of the budget at which forecasted spend notifies, overriding
   * {@link CostGuardrailsProps.forecastedThresholdsPercent}.
   *
   * @default - the guardrails' `forecastedThresholdsPercent`
   */
  readonly forecastedThresholdsPercent?: number[];
}

/**
 * How often Cost Anomaly Detection emails the subscribers. SNS delivery is always immediate: the service sends
 * SNS notifications only for the `IMMEDIATE` frequency and email only for `DAILY` and `WEEKLY`.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_AnomalySubscription.html
 */
export enum AnomalyEmailFrequency {
  /** One summary email a day. */
  DAILY = 'DAILY',
  /** One summary email a week. */
  WEEKLY = 'WEEKLY',
}

/**
 * Which cost anomalies notify, and how.
 */
export interface AnomalyAlertOptions {
  /**
   * An anomaly notifies only when its total impact is at least this many US dollars **and** at least
   * `percentImpact` percent of the expected spend.
   *
   * @default 100
   */
  readonly absoluteImpactUsd?: number;

  /**
   * An anomaly notifies only when its total impact is at least this percentage of the expected spend **and**
   * at least `absoluteImpactUsd` dollars.
   *
   * @default 20
   */
  readonly percentImpact?: number;

  /**
   * How often the email subscribers get a summary.
   *
   * @default AnomalyEmailFrequency.DAILY
   */
  readonly emailFrequency?: AnomalyEmailFrequency;

  /**
   * Whether to create the AWS-managed monitor of every AWS service's spend (`DIMENSIONAL`, `SERVICE`). An
   * account can have only one such monitor: set `false` when one exists already (the console creates one).
   *
   * @default true
   */
  readonly monitorServices?: boolean;
}

/**
 * A cost category that maps team tag values to the names finance uses.
 *
 * @see https://docs.aws.amazon.com/cost-management/latest/userguide/manage-cost-categories.html
 */
export interface TeamCostCategoryOptions {
  /**
   * Name of the cost category (1 to 50 characters), e.g. `Team`.
   */
  readonly name: string;

  /**
   * Finance's name for each team, by the team's tag value: `{ fraud: 'Fraud Detection' }`. Teams left out
   * fall into `defaultValue`. Every key must be a team of {@link CostGuardrailsProps.teams}.
   */
  readonly financeNames: Record<string, string>;

  /**
   * Where spend without a mapped team tag goes (untagged and unknown values).
   *
   * @default 'Unallocated'
   */
  readonly defaultValue?: string;
}

/**
 * Properties of {@link CostGuardrails}.
 */
export interface CostGuardrailsProps {
  /**
   * Each team's monthly budget, by the team's tag value. Each team gets a budget filtered by its tag and an
   * anomaly monitor of its tagged spend. Team names must be valid values of the schema's team key.
   */
  readonly teams: Record<string, TeamBudget>;

  /**
   * Email addresses notified by every budget and by anomaly alerts (at most 10). The {@link CostGuardrails.topic}
   * is notified as well.
   */
  readonly subscribers: string[];

  /**
   * The tag schema whose team key the budgets and monitors filter by.
   *
   * @default - the schema applied with CostAttribution at this scope (`TagSchema.DEFAULT` if none)
   */
  readonly schema?: TagSchema;

  /**
   * The tag key budgets and team monitors filter by. Must be a key of the schema.
   *
   * @default - the schema's team key
   */
  readonly budgetTagKey?: string;

  /**
   * Percentages of each budget at which actual spend notifies: each greater than 0 and at most 100.
   *
   * @default [80, 100]
   */
  readonly actualThresholdsPercent?: number[];

  /**
   * Percentages of each budget at which forecasted month-end spend notifies: each greater than 0 and at most 1000.
   *
   * @default [100]
   */
  readonly forecastedThresholdsPercent?: number[];

  /**
   * Anomaly detection: which anomalies notify and how often emails go out.
   *
   * @default - anomalies of at least USD 100 and 20 %, daily emails, a services monitor
   */
  readonly anomalyAlerts?: AnomalyAlertOptions;

  /**
   * A cost category that names the teams as finance does, with a default bucket for untagged spend.
   *
   * @default - no cost category
   */
  readonly costCategory?: TeamCostCategoryOptions;

  /**
   * The key that encrypts the notification topic. A key of your own must let `budgets.amazonaws.com` and
   * `costalerts.amazonaws.com` use `kms:GenerateDataKey*` and `kms:Decrypt`.
   *
   * @default - a new customer-managed key with rotation, whose policy lets only those two services use it for this topic
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the key created for the topic when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Per-team AWS Budgets and Cost Anomaly Detection, delivered to one encrypted SNS topic and to email.
 *
 * For each team: a monthly cost budget filtered by the team's tag (`user:<key>$<team>`) with notifications at
 * the actual and forecasted thresholds, and a customer-managed anomaly monitor of the team's tagged spend.
 * Once for the account: a monitor of every AWS service's spend, one anomaly subscription to the topic
 * (immediate) and one to the emails (daily or weekly), both requiring an absolute **and** a percentage impact.
 * Optionally a cost category that names the teams as finance does.
 *
 * Budgets and monitors see a tag only once it is an active cost allocation tag: see {@link CostAllocationTags}.
 *
 * @example
 * const guardrails = new CostGuardrails(stack, 'CostGuardrails', {
 *   teams: { fraud: { monthlyLimitUsd: 20_000 }, recsys: { monthlyLimitUsd: 45_000, forecastedThresholdsPercent: [110] } },
 *   subscribers: ['finops@example.com'],
 *   costCategory: { name: 'Team', financeNames: { fraud: 'Fraud Detection', recsys: 'Recommendations' } },
 * });
 * // guardrails.topic takes other cost notices, e.g. a scheduled report.
 */
export class CostGuardrails extends Construct {
  /**
   * The topic budgets and anomaly alerts publish to (KMS-encrypted, TLS only). Subscribe chat or on-call tools
   * to it; other cost constructs can publish to it too.
   */
  public readonly topic: sns.Topic;
  /** The key encrypting {@link topic}. */
  public readonly encryptionKey: kms.IKey;
  /** Each team's budget (L1), by team. */
  public readonly budgets: Readonly<Record<string, budgets.CfnBudget>>;
  /** Each team's anomaly monitor (L1), by team. */
  public readonly teamMonitors: Readonly<Record<string, ce.CfnAnomalyMonitor>>;
  /** The monitor of every AWS service's spend (L1), unless `monitorServices` is false. */
  public readonly serviceMonitor?: ce.CfnAnomalyMonitor;
  /** The anomaly subscription delivering to {@link topic} (L1). */
  public readonly topicSubscription: ce.CfnAnomalySubscription;
  /** The anomaly subscription delivering to the email subscribers (L1). */
  public readonly emailSubscription: ce.CfnAnomalySubscription;
  /** The cost category (L1), when `costCategory` was given. */
  public readonly costCategory?: ce.CfnCostCategory;
  /** The tag key budgets and monitors filter by. */
  public readonly budgetTagKey: string;

  constructor(scope: Construct, id: string, props: CostGuardrailsProps) {
    super(scope, id);
    const schema = props.schema ?? CostAttribution.schemaOf(this);
    const tagKey = props.budgetTagKey ?? schema.teamKey;
    this.budgetTagKey = tagKey;
    const actualDefault = props.actualThresholdsPercent ?? [80, 100];
    const forecastDefault = props.forecastedThresholdsPercent ?? [100];
    const anomaly = props.anomalyAlerts ?? {};
    const absoluteImpact = anomaly.absoluteImpactUsd ?? 100;
    const percentImpact = anomaly.percentImpact ?? 20;
    const teams = Object.keys(props.teams);

    const problems: string[] = [];
    if (!schema.hasKey(tagKey)) {
      problems.push(`budgetTagKey ("${tagKey}") is not a key of the tag schema; allowed keys: ${schema.keys.map(k => k.key).join(', ')}`);
    }
    if (teams.length === 0) {
      problems.push('teams is empty; give at least one team and its monthly budget, e.g. { fraud: { monthlyLimitUsd: 20000 } }');
    }
    for (const [team, budget] of Object.entries(props.teams)) {
      for (const p of schema.problems({ [schema.teamKey]: team })) {
        problems.push(`teams["${team}"] is not a valid team: ${p.message}`);
      }
      const limit = positiveProblem(`teams["${team}"].monthlyLimitUsd`, budget.monthlyLimitUsd, 'US dollars, greater than 0');
      if (limit) {
        problems.push(limit);
      }
      const actual = budget.actualThresholdsPercent ?? actualDefault;
      const forecast = budget.forecastedThresholdsPercent ?? forecastDefault;
      if (budget.actualThresholdsPercent) {
        problems.push(...thresholdProblems(`teams["${team}"].actualThresholdsPercent`, actual, MAX_ACTUAL_PERCENT));
      }
      if (budget.forecastedThresholdsPercent) {
        problems.push(...thresholdProblems(`teams["${team}"].forecastedThresholdsPercent`, forecast, MAX_FORECAST_PERCENT));
      }
      if (actual.length + forecast.length > MAX_NOTIFICATIONS) {
        problems.push(`teams["${team}"] has ${actual.length} actual and ${forecast.length} forecasted thresholds; ` +
          `a budget takes at most ${MAX_NOTIFICATIONS} notifications: drop some thresholds`);
      }
      if (actual.length + forecast.length === 0) {
        problems.push(`teams["${team}"] has no thresholds, so its budget would never notify; give actual or forecasted thresholds`);
      }
    }
    problems.push(...thresholdProblems('actualThresholdsPercent', actualDefault, MAX_ACTUAL_PERCENT));
    problems.push(...thresholdProblems('forecastedThresholdsPercent', forecastDefault, MAX_FORECAST_PERCENT));
    problems.push(...emailProblems('subscribers', props.subscribers, MAX_BUDGET_EMAILS));
    for (const [prop, value] of [['anomalyAlerts.absoluteImpactUsd', absoluteImpact], ['anomalyAlerts.percentImpact', percentImpact]] as const) {
      const p = positiveProblem(prop, value, prop.endsWith('Usd') ? 'US dollars' : 'percent');
      if (p) {
        problems.push(p);
      }
    }
    if (props.costCategory) {
      problems.push(...costCategoryProblems(props.costCategory, teams));
    }
    throwIfProblems(this, 'invalid CostGuardrails props', problems);

    const stack = Stack.of(this);
    // A fixed name lets the key policy name the topic without the two referencing each other.
    const topicName = Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName });
    this.encryptionKey = props.encryptionKey ?? this.createKey(topicArn, props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: 'Cost guardrails: budgets and cost anomalies',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.allowPublish();

    const budgetResources: Record<string, budgets.CfnBudget> = {};
    const monitors: Record<string, ce.CfnAnomalyMonitor> = {};
    for (const [team, budget] of Object.entries(props.teams)) {
      const teamScope = new Construct(this, `Team-${team}`);
      CostAttribution.apply(teamScope, { tags: { [schema.teamKey]: team }, schema: props.schema });
      budgetResources[team] = this.createBudget(teamScope, tagKey, team, budget.monthlyLimitUsd,
        budget.actualThresholdsPercent ?? actualDefault, budget.forecastedThresholdsPercent ?? forecastDefault, props.subscribers);
      monitors[team] = new ce.CfnAnomalyMonitor(teamScope, 'AnomalyMonitor', {
        monitorName: `${tagKey} ${team} (${this.node.path})`.slice(0, 1024),
        monitorType: 'CUSTOM',
        // A customer-managed monitor over one tag value: anomalies are the team's own, evaluated in aggregate.
        monitorSpecification: JSON.stringify({ Tags: { Key: tagKey, Values: [team], MatchOptions: ['EQUALS'] } }),
      });
    }
    this.budgets = budgetResources;
    this.teamMonitors = monitors;

    if (anomaly.monitorServices ?? true) {
      this.serviceMonitor = new ce.CfnAnomalyMonitor(this, 'ServiceMonitor', {
        monitorName: `AWS services (${this.node.path})`.slice(0, 1024),
        monitorType: 'DIMENSIONAL',
        monitorDimension: 'SERVICE',
      });
    }
    const monitorArns = [
      ...(this.serviceMonitor ? [this.serviceMonitor.attrMonitorArn] : []),
      ...Object.values(monitors).map(m => m.attrMonitorArn),
    ];
    const thresholdExpression = JSON.stringify(impactExpression(absoluteImpact, percentImpact));
    // The service delivers SNS notifications only at IMMEDIATE frequency and email only DAILY or WEEKLY, so one
    // subscription cannot serve both.
    this.topicSubscription = new ce.CfnAnomalySubscription(this, 'TopicSubscription', {
      subscriptionName: `Cost anomalies to SNS (${this.node.path})`.slice(0, 1024),
      frequency: 'IMMEDIATE',
      monitorArnList: monitorArns,
      subscribers: [{ type: 'SNS', address: this.topic.topicArn }],
      thresholdExpression,
    });
    // The service checks it may publish when the subscription is created.
    this.topicSubscription.node.addDependency(this.topic);
    this.emailSubscription = new ce.CfnAnomalySubscription(this, 'EmailSubscription', {
      subscriptionName: `Cost anomalies by email (${this.node.path})`.slice(0, 1024),
      frequency: anomaly.emailFrequency ?? AnomalyEmailFrequency.DAILY,
      monitorArnList: monitorArns,
      subscribers: props.subscribers.map(address => ({ type: 'EMAIL', address })),
      thresholdExpression,
    });

    if (props.costCategory) {
      const cc = props.costCategory;
      this.costCategory = new ce.CfnCostCategory(this, 'CostCategory', {
        name: cc.name,
        ruleVersion: 'CostCategoryExpression.v1',
        defaultValue: cc.defaultValue ?? 'Unallocated',
        rules: JSON.stringify(Object.entries(cc.financeNames).map(([team, value]) => ({
          Value: value,
          Rule: { Tags: { Key: tagKey, Values: [team], MatchOptions: ['EQUALS'] } },
        }))),
      });
    }
  }

  private createKey(topicArn: string, removalPolicy: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the cost notifications of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CostServicesPublishToTheTopic',
      principals: [new iam.ServicePrincipal(BUDGETS_PRINCIPAL), new iam.ServicePrincipal(COST_ALERTS_PRINCIPAL)],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      // SNS encrypts with the topic ARN as encryption context: the services may use the key for this topic only.
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
    }));
    return key;
  }

  /**
   * Only Budgets and Cost Anomaly Detection acting for this account may publish; `enforceSSL` adds the deny
   * of requests without TLS.
   *
   * @see https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
   * @see https://docs.aws.amazon.com/cost-management/latest/userguide/ad-SNS.html
   */
  private allowPublish(): void {
    const account = Stack.of(this).account;
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'BudgetsPublish',
      principals: [new iam.ServicePrincipal(BUDGETS_PRINCIPAL)],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': globalArn('budgets', '*') },
      },
    }));
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CostAnomalyDetectionPublish',
      principals: [new iam.ServicePrincipal(COST_ALERTS_PRINCIPAL)],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      // The service documents aws:SourceAccount for this topic policy; it does not document a source ARN.
      conditions: { StringEquals: { 'aws:SourceAccount': account } },
    }));
  }

  private createBudget(scope: Construct, tagKey: string, team: string, limitUsd: number, actual: number[], forecast: number[],
    emails: string[]): budgets.CfnBudget {
    const subscribers = [
      { subscriptionType: 'SNS', address: this.topic.topicArn },
      ...emails.map(address => ({ subscriptionType: 'EMAIL', address })),
    ];
    const notification = (type: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: { notificationType: type, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });
    const budget = new budgets.CfnBudget(scope, 'Budget', {
      budget: {
        budgetName: `${Names.uniqueResourceName(scope, { maxLength: 80, separator: '-' })}-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: limitUsd, unit: 'USD' },
        // The legacy filter form, in the `user:<key>$<value>` syntax Budgets documents for cost allocation tags;
        // FilterExpression is newer and accepted too, but its tag-key form is documented less plainly.
        costFilters: { TagKeyValue: [tagKeyValue(tagKey, team)] },
      },
      notificationsWithSubscribers: [
        ...actual.map(t => notification('ACTUAL', t)),
        ...forecast.map(t => notification('FORECASTED', t)),
      ],
    });
    // Budgets checks it may publish when the notification is created.
    budget.node.addDependency(this.topic);
    return budget;
  }
}

/** A Budgets cost-allocation-tag filter value: `user:team$fraud`. */
export function tagKeyValue(key: string, value: string): string {
  return `user:${key}$${value}`;
}

/** Both impacts must be reached: the absolute one in dollars and the one relative to the expected spend. */
function impactExpression(absoluteUsd: number, percent: number): unknown {
  return {
    And: [
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(absoluteUsd)] } },
      { Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_PERCENTAGE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(percent)] } },
    ],
  };
}

function thresholdProblems(prop: string, thresholds: readonly number[], max: number): string[] {
  const problems: string[] = [];
  for (const t of thresholds) {
    if (Token.isUnresolved(t)) {
      continue;
    }
    if (!Number.isFinite(t) || t <= 0 || t > max) {
      problems.push(`${prop} contains ${t}; each threshold must be a percentage of the budget greater than 0 and at most ${max}`);
    }
  }
  if (new Set(thresholds).size !== thresholds.length) {
    problems.push(`${prop} (${thresholds.join(', ')}) lists a threshold twice; list each once`);
  }
  return problems;
}

function costCategoryProblems(cc: TeamCostCategoryOptions, teams: readonly string[]): string[] {
  const problems: string[] = [];
  const text = (prop: string, value: string) => {
    if (!Token.isUnresolved(value) && (value.length < 1 || value.length > COST_CATEGORY_TEXT_MAX)) {
      problems.push(`${prop} ("${value}") must be 1 to ${COST_CATEGORY_TEXT_MAX} characters long (got ${value.length})`);
    }
  };
  text('costCategory.name', cc.name);
  text('costCategory.defaultValue', cc.defaultValue ?? 'Unallocated');
  const entries = Object.entries(cc.financeNames);
  if (entries.length === 0) {
    problems.push('costCategory.financeNames is empty; map at least one team to finance\'s name for it');
  }
  for (const [team, value] of entries) {
    if (!teams.includes(team)) {
      problems.push(`costCategory.financeNames names team "${team}", which is not one of teams (${teams.join(', ')}); add its budget or fix the name`);
    }
    text(`costCategory.financeNames["${team}"]`, value);
  }
  return problems;
}
