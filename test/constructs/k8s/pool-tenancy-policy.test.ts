import { run } from '@bufbuild/cel';
import { Testing } from 'cdk8s';
import { CLUSTER, TAGS, newChart, objectOf } from './helpers';
import { GpuNodePool, GpuTeam, PoolTenancy, PoolTenancyPolicy } from '../../../constructs';

// The policy's CEL, evaluated by a CEL implementation against pods as the API server would present them
// (`object` the pod, `namespaceObject` its namespace), with the namespace the charts synthesize.
const chart = newChart();
const pools = { ...CLUSTER, instanceFamilies: ['g6'], instanceSizes: ['xlarge', '2xlarge'], gpuLimit: 4 };
new GpuNodePool(chart, 'Own', { ...pools, name: 'fraud-training', tenancy: PoolTenancy.dedicated('fraud'), costTags: TAGS });
new GpuNodePool(chart, 'Others', { ...pools, name: 'recsys-training', tenancy: PoolTenancy.dedicated('recsys'), costTags: { ...TAGS, team: 'recsys' } });
new GpuNodePool(chart, 'Shared', { ...pools, name: 'shared', tenancy: PoolTenancy.shared(), costTags: { ...TAGS, team: 'ml-platform' } });
new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 8 });
const namespace = objectOf(chart, 'Namespace');
const policy = objectOf(chart, 'ValidatingAdmissionPolicy');

function toCel(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(toCel);
  }
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

/** The messages of the validations a pod with `tolerations` fails; empty when it is admitted. */
function denied(tolerations?: object[]): string[] {
  const pod = { spec: { containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) } };
  return (policy.spec.validations as Array<{ expression: string; message: string }>)
    .filter(v => run(v.expression, { object: toCel(pod) as any, namespaceObject: toCel(namespace) as any }) !== true)
    .map(v => v.message);
}

const pool = (value: string, extra: object = {}) => ({ key: 'mlops-stack.io/pool', operator: 'Equal', value, effect: 'NoSchedule', ...extra });

test('the synthesized policy is the documented one', () => {
  expect(policy.spec.validations).toEqual(PoolTenancyPolicy.VALIDATIONS);
  expect(Testing.synth(chart).filter(o => o.kind === 'ValidatingAdmissionPolicyBinding')).toHaveLength(1);
});

test.each([
  ['no tolerations', undefined],
  ['the GPU taint only', [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]],
  ['the team\'s own pool', [pool('fraud-training')]],
  ['a shared pool', [pool('shared')]],
  ['own and shared pools, operator left out', [pool('fraud-training', { operator: undefined }), pool('shared')]],
])('admitted: %s', (_name, tolerations) => {
  expect(denied(tolerations?.map(t => JSON.parse(JSON.stringify(t))))).toEqual([]);
});

test.each([
  ['another team\'s dedicated pool', [pool('recsys-training')], /tolerate mlops-stack.io\/pool only for the pools the team may use/],
  ['a pool that does not exist', [pool('nowhere')], /only for the pools the team may use/],
  ['every pool at once', [{ key: 'mlops-stack.io/pool', operator: 'Exists' }], /only for the pools the team may use/],
  ['every taint at once', [{ operator: 'Exists' }], /may not tolerate every taint/],
])('denied: %s', (_name, tolerations, message) => {
  const messages = denied(tolerations);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatch(message);
});
