import { Testing } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import { GpuNodePool, GpuTeam, PodSecurityLevel, PoolTenancy, type GpuTeamProps } from '../../../constructs';

const { team: _team, ...PLATFORM_TAGS } = TAGS;
const BASE: GpuTeamProps = { name: 'fraud', costTags: PLATFORM_TAGS, maxGpus: 8 };

function team(props: Partial<GpuTeamProps> = {}) {
  const chart = newChart();
  const construct = new GpuTeam(chart, 'Fraud', { ...BASE, ...props });
  return { chart, construct };
}

const COST_LABELS = {
  'mlops-stack.io/team': 'fraud',
  'mlops-stack.io/project': 'scoring',
  'mlops-stack.io/cost-center': 'cc-4200',
  'mlops-stack.io/environment': 'prod',
};

const POD_SECURITY = {
  'pod-security.kubernetes.io/enforce': 'baseline',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

test('namespace named after the team carries the cost labels (team key from the name), Pod Security and the team-namespace label', () => {
  const { chart } = team();
  expect(objectOf(chart, 'Namespace').metadata).toEqual({
    name: 'fraud',
    labels: { ...COST_LABELS, ...POD_SECURITY, 'mlops-stack.io/team-namespace': 'true' },
    annotations: { 'mlops-stack.io/retain': 'true' },
  });
});

test('a team tag equal to the name is accepted', () => {
  const { chart } = team({ costTags: { ...PLATFORM_TAGS, team: 'fraud' } });
  expect(objectOf(chart, 'Namespace').metadata.labels['mlops-stack.io/team']).toBe('fraud');
});

test('Pod Security levels and version are configurable', () => {
  const { chart } = team({ podSecurity: { enforce: PodSecurityLevel.RESTRICTED, warn: PodSecurityLevel.RESTRICTED, audit: PodSecurityLevel.RESTRICTED, version: 'v1.35' } });
  expect(objectOf(chart, 'Namespace').metadata.labels).toMatchObject({
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'v1.35',
    'pod-security.kubernetes.io/warn-version': 'v1.35',
    'pod-security.kubernetes.io/audit-version': 'v1.35',
  });
});

test('retainOnDelete: false marks the namespace as deletable', () => {
  const { chart } = team({ retainOnDelete: false });
  expect(objectOf(chart, 'Namespace').metadata.annotations).toEqual({ 'mlops-stack.io/retain': 'false' });
});

test('ResourceQuota caps requests.nvidia.com/gpu (value present in the synthesized manifest)', () => {
  const { chart } = team({ maxGpus: 12 });
  expect(objectOf(chart, 'ResourceQuota').spec.hard['requests.nvidia.com/gpu']).toBe(12);
});

test('ResourceQuota caps CPU and memory at 16 cores and 128 GiB per GPU by default', () => {
  const { chart } = team();
  expect(objectOf(chart, 'ResourceQuota').spec.hard).toEqual({ 'requests.nvidia.com/gpu': 8, 'requests.cpu': 128, 'requests.memory': '1024Gi' });
});

test('ResourceQuota is in the team namespace', () => {
  const { chart } = team();
  expect(objectOf(chart, 'ResourceQuota').metadata.namespace).toBe('fraud');
});

test('LimitRange gives containers default requests only (no default limits) and caps GPUs per container', () => {
  const { chart } = team({ maxGpus: 4 });
  expect(objectOf(chart, 'LimitRange').spec.limits).toEqual([{
    type: 'Container',
    defaultRequest: { cpu: '500m', memory: '1Gi' },
    max: { 'nvidia.com/gpu': 4 },
  }]);
});

test('default requests and limits are configurable', () => {
  const { chart } = team({ defaultContainerRequests: { cpu: '1', memory: '2Gi' }, defaultContainerLimits: { cpu: '4', memory: '8Gi' } });
  expect(objectOf(chart, 'LimitRange').spec.limits[0]).toMatchObject({ defaultRequest: { cpu: '1', memory: '2Gi' }, default: { cpu: '4', memory: '8Gi' } });
});

test('role binding binds the team role to the default group', () => {
  const { chart } = team();
  const binding = objectOf(chart, 'RoleBinding');
  expect([binding.metadata.namespace, binding.roleRef.name, binding.subjects]).toEqual([
    'fraud', 'fraud-developer', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'fraud-developers' }],
  ]);
});

test('role binding binds the given groups', () => {
  const { chart } = team({ rbacGroups: ['fraud-ml', 'fraud-oncall'] });
  expect(objectOf(chart, 'RoleBinding').subjects.map((s: any) => s.name)).toEqual(['fraud-ml', 'fraud-oncall']);
});

test('role grants nothing on secrets, roles, quotas or namespaces and no wildcard', () => {
  const { chart } = team();
  const rules: any[] = objectOf(chart, 'Role').rules;
  const resources = rules.flatMap(r => r.resources);
  expect(resources.filter(r => ['secrets', 'roles', 'rolebindings', 'resourcequotas', 'limitranges', 'namespaces', '*'].includes(r))).toEqual([]);
  expect(rules.flatMap(r => r.verbs)).not.toContain('*');
});

test('role lets the team run jobs and read Kueue workloads', () => {
  const { chart } = team();
  const rules: any[] = objectOf(chart, 'Role').rules;
  expect(rules).toEqual(expect.arrayContaining([
    expect.objectContaining({ apiGroups: ['batch'], resources: ['jobs'], verbs: expect.arrayContaining(['create', 'delete']) }),
    { apiGroups: ['kueue.x-k8s.io'], resources: ['workloads'], verbs: ['get', 'list', 'watch'] },
  ]));
});

test('every manifest is valid against the Kubernetes 1.30 schemas', () => {
  const { chart } = team();
  expect(new ManifestValidator().validateAll(Testing.synth(chart))).toEqual([]);
});

describe('validation', () => {
  test.each(['Fraud', 'fraud_team', '-fraud', 'a'.repeat(64), ''])('team name %p is not a DNS-1123 label', (name) => {
    expect(() => team({ name })).toThrow(/Test\/Fraud: .*name \(".*"\) must be a DNS-1123 label/);
  });

  test.each([0, -1, 2.5, 2 ** 31])('maxGpus %p', (maxGpus) => {
    expect(() => team({ maxGpus })).toThrow(/maxGpus \(.*\) must be a whole number from 1 to 2147483647/);
  });

  test.each(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kueue-system', 'karpenter'])('reserved namespace %p', (name) => {
    expect(() => team({ name })).toThrow(new RegExp(`name \\("${name}"\\) is a namespace of the cluster itself`));
  });

  test('a cost tag team that differs from the name is refused, naming both', () => {
    expect(() => team({ costTags: { ...PLATFORM_TAGS, team: 'ml-platform' } }))
      .toThrow(/Test\/Fraud: costTags team \("ml-platform"\) differs from the team's name \("fraud"\)/);
  });

  test('two teams with one name in an app', () => {
    const chart = newChart();
    new GpuTeam(chart, 'A', BASE);
    expect(() => new GpuTeam(chart, 'B', BASE)).toThrow(/Test\/B: name \("fraud"\) is already the team at Test\/A/);
  });

  test.each([['defaultContainerRequests', 'cpu', 'half'], ['defaultContainerRequests', 'memory', '1 GiB'], ['defaultContainerLimits', 'cpu', '-1']] as const)(
    '%s.%s %p is not a quantity', (prop, key, value) => {
      const resources = { cpu: '1', memory: '1Gi', [key]: value };
      expect(() => team({ [prop]: resources })).toThrow(new RegExp(`${prop}\\.${key} \\("${value}"\\) must be a Kubernetes quantity`));
    });

  test('Pod Security version that is not a minor version', () => {
    expect(() => team({ podSecurity: { version: '1.35' } })).toThrow(/podSecurity\.version \("1\.35"\) must be "latest" or a Kubernetes minor version/);
  });

  test('maxGpusPerContainer above maxGpus', () => {
    expect(() => team({ maxGpus: 2, maxGpusPerContainer: 4 })).toThrow(/maxGpusPerContainer \(4\) must not exceed maxGpus \(2\)/);
  });

  test('empty group list', () => {
    expect(() => team({ rbacGroups: [] })).toThrow(/rbacGroups must not be empty/);
  });

  test('cost tags missing a required key', () => {
    expect(() => team({ costTags: { project: 'scoring' } })).toThrow(/costTags lack required key\(s\) cost-center, environment/);
  });

  test.each([
    ['maxCpus', 0],
    ['maxCpus', -8],
    ['maxCpus', 1.5],
    ['maxMemoryGiB', 0],
    ['maxMemoryGiB', -64],
    ['maxMemoryGiB', 0.5],
  ] as const)('%s %p', (prop, value) => {
    expect(() => team({ [prop]: value })).toThrow(new RegExp(`${prop} \\(${value}\\) must be a whole number from 1 to 2147483647`));
  });

  test('cost tag value that cannot be a label', () => {
    expect(() => team({ costTags: { ...PLATFORM_TAGS, project: 'Fraud Scoring' } }))
      .toThrow(/Test\/Fraud: .*costTags: tag "project" value "Fraud Scoring" cannot be a Kubernetes label value/);
  });
});

describe('pool tenancy admission', () => {
  const pools = (chart: any) => {
    const base = { ...CLUSTER, instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 4 };
    new GpuNodePool(chart, 'Own', { ...base, name: 'fraud-training', tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS });
    new GpuNodePool(chart, 'Others', { ...base, name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' } });
    new GpuNodePool(chart, 'Shared', { ...base, name: 'shared', tenancy: PoolTenancy.shared(), costTags: { ...TAGS, team: 'ml-platform' } });
  };
  const allowed = (chart: any) => Object.entries(objectOf(chart, 'Namespace').metadata.labels)
    .filter(([k]) => k.startsWith('pool.mlops-stack.io/')).map(([k, v]) => `${k}=${v}`);
  const EXPECTED = ['pool.mlops-stack.io/fraud-training=allowed', 'pool.mlops-stack.io/shared=allowed'];

  test('the namespace lists the team\'s own and the shared pools, not other teams\' (pools first)', () => {
    const chart = newChart();
    pools(chart);
    new GpuTeam(chart, 'Fraud', BASE);
    expect(allowed(chart)).toEqual(EXPECTED);
  });

  test('the same when the team comes first', () => {
    const chart = newChart();
    new GpuTeam(chart, 'Fraud', BASE);
    pools(chart);
    expect(allowed(chart)).toEqual(EXPECTED);
  });

  test('one ValidatingAdmissionPolicy and binding per app, bound to team namespaces', () => {
    const chart = newChart();
    new GpuTeam(chart, 'Fraud', BASE);
    new GpuTeam(chart, 'Recsys', { ...BASE, name: 'recsys' });
    const objects = Testing.synth(chart);
    expect(objects.filter(o => o.kind === 'ValidatingAdmissionPolicy').map(o => o.metadata.name)).toEqual(['mlops-stack-pool-tenancy']);
    const binding = objectOf(chart, 'ValidatingAdmissionPolicyBinding');
    expect(binding.spec).toEqual({
      policyName: 'mlops-stack-pool-tenancy',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'mlops-stack.io/team-namespace': 'true' } } },
    });
    expect(objectOf(chart, 'ValidatingAdmissionPolicy').spec.matchConstraints.resourceRules)
      .toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }]);
  });
});
