import { Token } from 'aws-cdk-lib';
import { pascalCase, quotedList } from './names';
import type { PlatformStackNames } from './stack-names';
import { hasClusterWork, teamProblems } from './team-validation';
import type { TagSchema } from '../../../src/tags/tag-schema';
import { modelNameProblems } from '../../registry/private/validation';
import type { MlopsPlatformProps } from '../mlops-platform';

/** CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128 characters. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Every problem of a platform's configuration, each naming its path in the configuration, the value received
 * and what is allowed. Checked before anything is created, so one error lists them all.
 */
export function configProblems(props: MlopsPlatformProps, schema: TagSchema, stackNames: PlatformStackNames): string[] {
  const problems: string[] = [];
  const teams = props.teams ?? [];
  const models = props.models ?? [];
  const platformTeam = props.platformTeam.name;

  // Tags: everything but the team key, which each part gets from its team.
  if (props.tags[schema.teamKey] !== undefined) {
    problems.push(`tags.${schema.teamKey} ("${props.tags[schema.teamKey]}"): the team key is set per part, from platformTeam.name ` +
      `for the shared services and from each team's name for its resources; leave ${schema.teamKey} out of tags`);
  }
  const resolvedTags = Object.fromEntries(Object.entries(props.tags).filter(([, v]) => !Token.isUnresolved(v)));
  for (const p of schema.problems(resolvedTags)) {
    problems.push(`tags["${p.key}"]: ${p.message}`);
  }
  const missing = schema.missingKeys({ ...props.tags, [schema.teamKey]: platformTeam || 'x' });
  if (missing.length > 0) {
    problems.push(`tags lack required key(s) ${missing.join(', ')}; every billed resource of the platform carries them (required: ` +
      `${schema.requiredKeys.filter(k => k !== schema.teamKey).join(', ')})`);
  }
  for (const p of schema.problems({ [schema.teamKey]: platformTeam })) {
    problems.push(`platformTeam.name ("${platformTeam}") is not a valid team: ${p.message}`);
  }
  if (props.platformTeam.budget) {
    const limit = props.platformTeam.budget.monthlyLimitUsd;
    if (!Number.isFinite(limit) || limit <= 0) {
      problems.push(`platformTeam.budget.monthlyLimitUsd (${limit}) must be greater than 0 (US dollars a month)`);
    }
  }

  // Teams, their pools and quotas, and the cluster's shared pools.
  problems.push(...teamProblems({ teams, platformTeam, cluster: props.gpuCluster, schema }));

  // Which parts exist.
  if (props.kubernetesOnly) {
    if (!props.gpuCluster) {
      problems.push('kubernetesOnly (true) needs gpuCluster: a Kubernetes-only platform is the cluster with its pools, teams and ' +
        'queues; configure gpuCluster or remove kubernetesOnly');
    }
    if (props.registry) {
      problems.push('registry: a Kubernetes-only platform (kubernetesOnly: true) has no model registry; remove registry or kubernetesOnly');
    }
  }

  // Cost guardrails, and what needs them.
  const payers = [...teams.map((t, i) => ({ t, at: `teams[${i}]` })), { t: props.platformTeam, at: 'platformTeam' }];
  if (!props.costGuardrails) {
    for (const { t, at } of payers) {
      if (t.budget) {
        problems.push(`${at}.budget: budgets notify costGuardrails.subscribers, and this platform has no costGuardrails; ` +
          'configure costGuardrails (e.g. { subscribers: [\'finops@example.com\'] }) or remove the budget');
      }
    }
    if (props.costReport) {
      problems.push('costReport: the scheduled report posts to the cost guardrails\' topic, and this platform has no costGuardrails; ' +
        'configure costGuardrails or remove costReport');
    }
  } else if (!payers.some(({ t }) => t.budget)) {
    problems.push('costGuardrails: no team has a budget, so there is nothing to guard; give teams (or platformTeam) a budget, ' +
      'e.g. budget: { monthlyLimitUsd: 20000 }, or remove costGuardrails');
  }
  if (!props.costGuardrails?.costCategory) {
    for (const { t, at } of payers) {
      if (t.financeName !== undefined) {
        problems.push(`${at}.financeName ("${t.financeName}") names the team in the cost category, and costGuardrails.costCategory ` +
          'is not configured; give costGuardrails.costCategory (e.g. { name: \'Team\' }) or remove financeName');
      }
    }
  }

  // Models.
  const owners = [...teams.map(t => t.name), platformTeam];
  const queuedTeams = teams.filter(hasClusterWork).map(t => t.name);
  const seen = new Map<string, number>();
  models.forEach((model, i) => {
    const at = `models[${i}]`;
    const nameProblems = modelNameProblems(`${at}.name`, model.name);
    problems.push(...nameProblems);
    if (nameProblems.length === 0) {
      const first = seen.get(model.name.toLowerCase());
      if (first !== undefined) {
        problems.push(`${at}.name ("${model.name}") duplicates models[${first}].name ("${models[first].name}"); model names are ` +
          'unique regardless of case (ECR repository names and SageMaker ARNs are lowercase): rename one');
      } else {
        seen.set(model.name.toLowerCase(), i);
      }
    }
    if (model.team !== undefined && !owners.includes(model.team)) {
      problems.push(`${at}.team ("${model.team}") is not a team of the platform; a model belongs to one of ${quotedList(owners)} ` +
        '(teams[].name or platformTeam.name)');
    }
    if (props.kubernetesOnly) {
      const parts = (['training', 'endpoint', 'promotion', 'clusterTraining'] as const).filter(p => model[p]);
      if (parts.length === 0) {
        problems.push(`${at} ("${model.name}"): a Kubernetes-only platform (kubernetesOnly: true) has no model registry, so it has no ` +
          'models; remove models or kubernetesOnly');
      }
      for (const part of parts) {
        problems.push(`${at}.${part}: ${part === 'endpoint' ? 'an endpoint' : part === 'training' ? 'a training pipeline' : `${part}`} ` +
          'needs the model registry, which a Kubernetes-only platform (kubernetesOnly: true) does not have; remove it or kubernetesOnly');
      }
      return;
    }

    const training = model.training;
    if (training) {
      if (!Token.isUnresolved(training.imageDigest) && !IMAGE_DIGEST.test(training.imageDigest)) {
        problems.push(`${at}.training.imageDigest ("${training.imageDigest}") must be an image digest (sha256:<64 lowercase hex>), ` +
          'not a tag, so a run can be reproduced; get it with `aws ecr describe-images`');
      }
      if (typeof training.steps !== 'function') {
        problems.push(`${at}.training.steps must be a function that adds the pipeline's steps, e.g. ` +
          '(pipeline) => { pipeline.addProcessing(...); pipeline.addTraining(...); ... }');
      }
      const prefix = training.data?.prefix;
      if (prefix !== undefined && !Token.isUnresolved(prefix) && (!prefix.endsWith('/') || prefix.startsWith('/'))) {
        problems.push(`${at}.training.data.prefix ("${prefix}") must be a key prefix ending in "/" without a leading "/", e.g. "datasets/${model.name}/"`);
      }
      if (training.retraining?.onDrift && !model.endpoint?.dataQuality) {
        problems.push(`${at}.training.retraining.onDrift: drift is found by the endpoint's data-quality monitor, and ${at}.endpoint` +
          `${model.endpoint ? '.dataQuality is not configured' : ' is not configured'}; give the endpoint dataCapture and dataQuality, or drop onDrift`);
      }
    }
    const endpoint = model.endpoint;
    if (endpoint?.dataQuality) {
      if (!endpoint.dataCapture || endpoint.dataCapture.captureInput === false) {
        problems.push(`${at}.endpoint.dataQuality: the monitor reads the endpoint's captured requests; give ${at}.endpoint.dataCapture ` +
          '(e.g. { samplingPercentage: 20 }) with captureInput not false');
      }
      const base = endpoint.dataQuality.baselinePrefix;
      if (!Token.isUnresolved(base) && (!base.endsWith('/') || base.startsWith('/'))) {
        problems.push(`${at}.endpoint.dataQuality.baselinePrefix ("${base}") must be a key prefix under the model's prefix ending in "/", e.g. "1.4.0/baseline/"`);
      }
    }
    if (model.clusterTraining) {
      if (!props.gpuCluster) {
        problems.push(`${at}.clusterTraining: this platform has no gpuCluster (SageMaker only), so there is no cluster to train on; ` +
          'configure gpuCluster or remove clusterTraining');
      } else if (!queuedTeams.includes(model.team ?? platformTeam)) {
        problems.push(`${at}.clusterTraining: the model's team ("${model.team ?? platformTeam}") has no namespace on the cluster; only teams ` +
          `with a pool or a quota have one (${quotedList(queuedTeams)}): set ${at}.team to one of them or remove clusterTraining`);
      }
    }
  });

  // Stacks: valid, distinct names.
  const stacks: Array<[string, string]> = [];
  const present = (key: keyof PlatformStackNames, exists: boolean) => {
    if (exists) {
      stacks.push([`stacks.${key}.stackName`, stackNames[key] as string]);
    }
  };
  const sagemaker = !props.kubernetesOnly;
  present('sharedServices', props.costGuardrails !== undefined || props.costAllocationTags !== false || !!props.billingExport || !!props.costReport);
  present('registry', sagemaker);
  present('network', sagemaker && !props.gpuCluster && !props.vpc && models.some(m => m.training || m.endpoint || m.promotion));
  present('gpuCluster', props.gpuCluster !== undefined);
  present('serving', sagemaker && models.some(m => m.endpoint));
  present('training', sagemaker && models.some(m => m.training || m.promotion || m.clusterTraining));
  models.forEach((m, i) => {
    if (sagemaker && m.promotion && stackNames.stages[m.name]) {
      stacks.push([`models[${i}].promotion.staging.stack.stackName`, stackNames.stages[m.name].staging]);
      stacks.push([`models[${i}].promotion.production.stack.stackName`, stackNames.stages[m.name].production]);
    }
  });
  const byName = new Map<string, string>();
  for (const [path, name] of stacks) {
    if (!STACK_NAME.test(name)) {
      problems.push(`${path} ("${name}") must be a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128 ` +
        'characters');
    }
    const first = byName.get(name);
    if (first) {
      problems.push(`${path} ("${name}") is also the name of ${first}; each stack of the platform needs its own name`);
    } else {
      byName.set(name, path);
    }
  }

  // Construct ids within the serving and training stacks (ids are public API: a clash is a bug, not a rename).
  const ids = (stack: string, entries: Array<[string, string | undefined, string]>) => {
    const used = new Map<string, string>();
    for (const [path, id, fallback] of entries) {
      const value = id ?? fallback;
      const first = used.get(value);
      if (first) {
        problems.push(`${path} ("${value}") is also the construct id of ${first} in the ${stack} stack; give one of them another id`);
      } else {
        used.set(value, path);
      }
    }
  };
  if (sagemaker) {
    ids('serving', models.flatMap((m, i) => m.endpoint ? [[`models[${i}].endpoint.id`, m.endpoint.id, pascalCase(m.name)] as [string, string | undefined, string]] : []));
    ids('training', models.flatMap((m, i) => {
      const name = pascalCase(m.name);
      const out: Array<[string, string | undefined, string]> = [];
      if (m.training) {
        out.push([`models[${i}].training.id`, m.training.id, `${name}Training`]);
      }
      if (m.promotion) {
        out.push([`models[${i}].promotion.id`, m.promotion.id, `${name}Promotion`]);
      }
      if (m.clusterTraining) {
        out.push([`models[${i}].clusterTraining.id`, m.clusterTraining.id, `${name}ClusterTraining`]);
      }
      return out;
    }));
  }
  return problems;
}
