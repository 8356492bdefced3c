import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '@bufbuild/cel';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  K8sWarnings,
  Placement,
  PoolTenancyPolicy,
  TagSchema,
  TEAM_NAMESPACE_LABEL,
  type Manifest,
} from '../../constructs/k8s';
import { DEFAULT_OUTDIR, DEFAULT_PLATFORM_COST_TAGS, readEnvironment, type K8sManifestsConfig } from '../../examples/k8s-manifests/config';
import { buildK8sManifests, writeK8sManifests } from '../../examples/k8s-manifests/k8s-manifests';
import { CRD_SCHEMA_DIR, ManifestValidator, kubernetesSchemaDir } from '../constructs/k8s/manifest-validator';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = TagSchema.DEFAULT;
const TEAM_LABEL = SCHEMA.labelKey(SCHEMA.teamKey);
// As the README asks the existing cluster's Kueue to be configured: Jobs without a queue label in team namespaces
// are held.
const KUEUE = { unqueuedJobsHeldIn: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } };

/** Every document of every `*.k8s.yaml` file in `dir`, by file name, files in name order (kubectl's order). */
function readManifests(dir: string): Record<string, Manifest[]> {
  const out: Record<string, Manifest[]> = {};
  for (const file of readdirSync(dir).filter(f => f.endsWith('.k8s.yaml')).sort()) {
    const docs = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'));
    const problems = docs.flatMap(d => [...d.errors, ...d.warnings].map(e => `${file}: ${e.message}`));
    if (problems.length > 0) {
      throw new Error(problems.join('\n'));
    }
    out[file] = docs.map(d => d.toJS() as Manifest);
  }
  return out;
}

// The example as the app writes it, workloads included, read back from the files.
const outdir = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-'));
const written = writeK8sManifests({ exampleWorkloads: true }, outdir);
const files = readManifests(outdir);
const manifests: Manifest[] = Object.values(files).flat();
const find = (kind: string, name: string, namespace?: string): Manifest => {
  const found = manifests.find(m => m.kind === kind && m.metadata?.name === name && m.metadata?.namespace === namespace);
  if (!found) {
    throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} in the manifests`);
  }
  return found;
};

describe('the files', () => {
  test('one file per chart, numbered in the order to apply them', () => {
    expect(written).toEqual(['0000-teams.k8s.yaml', '0001-node-pools.k8s.yaml', '0002-queues.k8s.yaml', '0003-example-workloads.k8s.yaml']);
    expect(Object.keys(files)).toEqual(written);
  });

  test.each(Object.keys(files))('%s matches the reviewed snapshot', (file) => {
    expect(files[file]).toMatchSnapshot();
  });

  test('the files hold what the charts synthesize in memory', () => {
    const app = new App();
    const charts = buildK8sManifests(app, { exampleWorkloads: true });
    expect([charts.teams, charts.nodePools, charts.queues, charts.workloads!].map(c => Testing.synth(c))).toEqual(Object.values(files));
  });

  test('the example raises no warning', () => {
    const app = new App();
    buildK8sManifests(app, { exampleWorkloads: true });
    expect(K8sWarnings.of(app)).toEqual([]);
  });

  test('without exampleWorkloads (the default) there is no workload file and no Job', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-'));
    expect(writeK8sManifests({}, dir)).toEqual(['0000-teams.k8s.yaml', '0001-node-pools.k8s.yaml', '0002-queues.k8s.yaml']);
    expect(Object.values(readManifests(dir)).flat().filter(m => m.kind === 'Job')).toEqual([]);
  });

  test('a rerun removes the manifests a previous run left, and nothing else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-'));
    writeK8sManifests({ exampleWorkloads: true }, dir);
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: []\n');
    writeK8sManifests({}, dir);
    expect(readdirSync(dir).sort()).toEqual(['0000-teams.k8s.yaml', '0001-node-pools.k8s.yaml', '0002-queues.k8s.yaml', 'kustomization.yaml']);
  });

  test('bad input fails before a previous run\'s manifests are removed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-'));
    writeK8sManifests({}, dir);
    expect(() => writeK8sManifests({ nodeRoleName: 'arn:aws:iam::123456789012:role/KarpenterNodeRole-mlops-gpu' }, dir)).toThrow(/nodeRoleName/);
    expect(readdirSync(dir).sort()).toEqual(['0000-teams.k8s.yaml', '0001-node-pools.k8s.yaml', '0002-queues.k8s.yaml']);
  });
});

describe('plain YAML that kubectl applies in file order', () => {
  // Scope of each kind the example writes: a new kind must be added here, with its scope, to pass.
  const CLUSTER_SCOPED = ['Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'EC2NodeClass', 'NodePool',
    'WorkloadPriorityClass', 'ResourceFlavor', 'ClusterQueue'];
  const NAMESPACED = ['ResourceQuota', 'LimitRange', 'Role', 'RoleBinding', 'LocalQueue', 'Job'];

  /** What would fail when `docs` are applied one after the other, as `kubectl apply -f <dir>` does. */
  function applyOrderProblems(docs: readonly Manifest[]): string[] {
    const problems: string[] = [];
    const namespaces = new Set<string>();
    let tenancyPolicyBound = false;
    for (const doc of docs) {
      const id = `${doc.kind}/${doc.metadata?.name}`;
      const namespace: string | undefined = doc.metadata?.namespace;
      if (namespace !== undefined && !namespaces.has(namespace)) {
        problems.push(`${id} comes before its namespace "${namespace}"`);
      }
      if (doc.kind === 'Namespace') {
        namespaces.add(doc.metadata.name);
      }
      if (doc.kind === 'ValidatingAdmissionPolicyBinding') {
        tenancyPolicyBound = true;
      }
      // Pods created before the tenancy policy is bound would not be held to their team's pools.
      if (doc.kind === 'Job' && !tenancyPolicyBound) {
        problems.push(`${id} comes before the pool tenancy admission policy is bound`);
      }
    }
    return problems;
  }

  test('every document is a complete Kubernetes object with no unresolved value', () => {
    const incomplete = manifests.filter(m => !m.apiVersion || !m.kind || !m.metadata?.name);
    expect(incomplete).toEqual([]);
    expect(JSON.stringify(manifests)).not.toMatch(/\$\{Token\[|\[object Object\]|undefined/);
  });

  test('cluster-scoped kinds carry no namespace, namespaced kinds name one', () => {
    const kinds = [...new Set(manifests.map(m => m.kind!))].sort();
    expect(kinds).toEqual([...CLUSTER_SCOPED, ...NAMESPACED].sort());
    expect(manifests.filter(m => CLUSTER_SCOPED.includes(m.kind!) === (m.metadata.namespace !== undefined)).map(m => `${m.kind}/${m.metadata.name}`)).toEqual([]);
  });

  test('each namespace comes before the objects in it, and the tenancy policy before any Job', () => {
    expect(applyOrderProblems(manifests)).toEqual([]);
  });

  test('the order check fails on the files applied in reverse', () => {
    expect(applyOrderProblems([...manifests].reverse())).toEqual(expect.arrayContaining([
      'Job/recsys-gpu-smoke-test comes before its namespace "recsys"',
      'Job/fraud-gpu-smoke-test comes before the pool tenancy admission policy is bound',
      'LocalQueue/fraud comes before its namespace "fraud"',
    ]));
  });
});

test.each(['1.30.0', '1.37.0'])('the manifest schema check: every document is valid against the Kubernetes %s and CRD schemas', (version) => {
  const validator = new ManifestValidator(CRD_SCHEMA_DIR, kubernetesSchemaDir(version));
  expect(validator.validateAll(manifests)).toEqual([]);
});

describe('what the teams get', () => {
  test.each(['fraud', 'recsys'])('%s: a namespace with Pod Security admission and its cost labels, allowed on its own pool only', (team) => {
    const labels = find('Namespace', team).metadata.labels;
    expect(labels).toEqual({
      ...SCHEMA.toLabels(SCHEMA.forTeam(DEFAULT_PLATFORM_COST_TAGS, team)),
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      [TEAM_NAMESPACE_LABEL]: 'true',
      [`pool.mlops-stack.io/${team}-training`]: 'allowed',
    });
  });

  test('GPU pools buy spot first with on-demand as fallback: one NodePool for fraud, a weighted pair for recsys', () => {
    const pools = manifests.filter(m => m.kind === 'NodePool').map(p => [
      p.metadata.name,
      p.spec.template.spec.requirements.find((r: any) => r.key === 'karpenter.sh/capacity-type').values.join('+'),
      p.spec.weight ?? null,
      p.spec.limits['nvidia.com/gpu'],
    ]);
    expect(pools).toEqual([
      ['fraud-training', 'spot+on-demand', null, 16],
      ['recsys-training-spot', 'spot', 100, 32],
      ['recsys-training-on-demand', 'on-demand', 10, 16],
    ]);
  });

  test('each team\'s node class runs nodes as the cluster\'s Karpenter node role, in its discovered subnets', () => {
    const classes = manifests.filter(m => m.kind === 'EC2NodeClass').map(c => [c.metadata.name, c.spec.role,
      c.spec.subnetSelectorTerms, c.spec.securityGroupSelectorTerms]);
    const discovery = [{ tags: { 'karpenter.sh/discovery': 'mlops-gpu' } }];
    expect(classes).toEqual([
      ['fraud-training', 'KarpenterNodeRole-mlops-gpu', discovery, discovery],
      ['recsys-training', 'KarpenterNodeRole-mlops-gpu', discovery, discovery],
    ]);
  });

  test('Kueue: a flavor per pool and capacity type, and each team\'s ClusterQueue takes only its own namespace', () => {
    expect(manifests.filter(m => m.kind === 'ResourceFlavor').map(f => f.metadata.name))
      .toEqual(['fraud-training-spot', 'fraud-training-on-demand', 'recsys-training-spot', 'recsys-training-on-demand']);
    expect(manifests.filter(m => m.kind === 'ClusterQueue').map(q => [q.metadata.name, q.spec.namespaceSelector, q.spec.resourceGroups[0].flavors.map((f: any) => f.name)]))
      .toEqual([
        ['fraud', { matchLabels: { 'kubernetes.io/metadata.name': 'fraud' } }, ['fraud-training-spot', 'fraud-training-on-demand']],
        ['recsys', { matchLabels: { 'kubernetes.io/metadata.name': 'recsys' } }, ['recsys-training-spot', 'recsys-training-on-demand']],
      ]);
    expect(manifests.filter(m => m.kind === 'LocalQueue').map(q => [q.metadata.namespace, q.spec.clusterQueue])).toEqual([['fraud', 'fraud'], ['recsys', 'recsys']]);
  });

  test('each smoke-test Job asks for one GPU through its team\'s queue', () => {
    const jobs = manifests.filter(m => m.kind === 'Job').map(j => [j.metadata.namespace, j.metadata.labels['kueue.x-k8s.io/queue-name'],
      j.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']]);
    expect(jobs).toEqual([['fraud', 'fraud', 1], ['recsys', 'recsys', 1]]);
  });
});

describe('the placement check: each team\'s workload lands only on its own pools, whose nodes are billed to it', () => {
  /**
   * What is wrong with where `workload` can run for `team`: it cannot run at all, or a NodePool it can land on has
   * nodes labelled, or instances tagged (its EC2NodeClass `tags`, which Karpenter puts on instances and volumes),
   * with other cost tags than the team's.
   */
  const sameTags = (a: Record<string, string>, b: Record<string, string>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

  function placementProblems(workload: Manifest, docs: readonly Manifest[], team: string): string[] {
    const placement = Placement.ofWorkload(workload, docs, KUEUE);
    if (!placement.runnable) {
      return [`${workload.kind}/${workload.metadata.name} cannot run: ${placement.reason}`];
    }
    const expected = SCHEMA.forTeam(DEFAULT_PLATFORM_COST_TAGS, team);
    return placement.nodePools.flatMap(name => {
      const pool = docs.find(m => m.kind === 'NodePool' && m.metadata.name === name)!;
      const nodeClass = docs.find(m => m.kind === 'EC2NodeClass' && m.metadata.name === pool.spec.template.spec.nodeClassRef.name)!;
      const nodeTags = SCHEMA.fromLabels(pool.spec.template.metadata.labels);
      const problems: string[] = [];
      if (!sameTags(nodeTags, expected)) {
        problems.push(`can land on NodePool ${name}, whose nodes are labelled ${JSON.stringify(nodeTags)}, not team "${team}"'s tags`);
      }
      if (!sameTags(nodeClass.spec.tags, expected)) {
        problems.push(`can land on NodePool ${name}, whose instances are tagged ${JSON.stringify(nodeClass.spec.tags)}, not team "${team}"'s tags`);
      }
      return problems;
    });
  }

  test.each([
    ['fraud', ['fraud-training-spot', 'fraud-training-on-demand'], ['fraud-training']],
    ['recsys', ['recsys-training-spot', 'recsys-training-on-demand'], ['recsys-training-spot', 'recsys-training-on-demand']],
  ])('%s\'s smoke test: admitted on its own flavors, spot first, and launched only by its own NodePools', (team, flavors, nodePools) => {
    const job = find('Job', `${team}-gpu-smoke-test`, team);
    expect(Placement.ofWorkload(job, manifests, KUEUE)).toEqual({ runnable: true, flavors, nodePools });
    expect(placementProblems(job, manifests, team)).toEqual([]);
    expect(nodePools.map(p => find('NodePool', p).spec.template.metadata.labels[TEAM_LABEL])).toEqual(nodePools.map(() => team));
  });

  test.each(['fraud', 'recsys'])('any GPU job %s queues lands only on pools billed to it', (team) => {
    const probe: Manifest = {
      kind: 'Job',
      metadata: { name: 'probe', namespace: team, labels: { 'kueue.x-k8s.io/queue-name': team } },
      spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': 8 } } }], tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] } } },
    };
    expect(placementProblems(probe, manifests, team)).toEqual([]);
  });

  // fraud's smoke test, rewired by hand to reach recsys's capacity.
  const fraudJob = (): any => structuredClone(find('Job', 'fraud-gpu-smoke-test', 'fraud'));
  const recsysToleration = { key: 'mlops-stack.io/pool', operator: 'Equal', value: 'recsys-training', effect: 'NoSchedule' };

  test.each<[string, () => any, RegExp]>([
    ['recsys\'s pool selector and toleration on a queued job: no flavor of fraud\'s queue fits', () => {
      const job = fraudJob();
      job.spec.template.spec.nodeSelector = { 'mlops-stack.io/pool': 'recsys-training' };
      job.spec.template.spec.tolerations.push(recsysToleration);
      return job;
    }, /cannot run: no flavor of ClusterQueue "fraud" fits/],
    ['recsys\'s queue named from fraud\'s namespace', () => {
      const job = fraudJob();
      job.metadata.labels['kueue.x-k8s.io/queue-name'] = 'recsys';
      return job;
    }, /cannot run: no LocalQueue "recsys" in namespace "fraud"/],
    ['an unqueued Deployment in fraud\'s namespace with recsys\'s selector and toleration', () => {
      const job = fraudJob();
      delete job.metadata.labels['kueue.x-k8s.io/queue-name'];
      job.kind = 'Deployment';
      job.spec.template.spec.nodeSelector = { 'mlops-stack.io/pool': 'recsys-training' };
      job.spec.template.spec.tolerations.push(recsysToleration);
      return job;
    }, /can land on NodePool recsys-training-spot, whose nodes are labelled .*"team":"recsys"/],
  ])('fails on a wrong wiring: %s', (_name, wire, problem) => {
    expect(placementProblems(wire(), manifests, 'fraud')).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  test('fails when fraud\'s own pool is billed to someone else', () => {
    const rebilled = structuredClone(manifests).map(m => {
      if (m.metadata?.name === 'fraud-training' && m.kind === 'NodePool') {
        m.spec.template.metadata.labels[TEAM_LABEL] = 'ml-platform';
      }
      if (m.metadata?.name === 'fraud-training' && m.kind === 'EC2NodeClass') {
        m.spec.tags[SCHEMA.teamKey] = 'ml-platform';
      }
      return m;
    });
    expect(placementProblems(find('Job', 'fraud-gpu-smoke-test', 'fraud'), rebilled, 'fraud')).toEqual([
      expect.stringMatching(/NodePool fraud-training, whose nodes are labelled .*"team":"ml-platform"/),
      expect.stringMatching(/NodePool fraud-training, whose instances are tagged .*"team":"ml-platform"/),
    ]);
  });

  test('the cluster refuses that Deployment\'s pods too: the tenancy policy denies recsys\'s toleration in fraud\'s namespace', () => {
    const toCel = (value: unknown): unknown => Array.isArray(value) ? value.map(toCel)
      : value !== null && typeof value === 'object' ? new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)])) : value;
    const policy = find('ValidatingAdmissionPolicy', 'mlops-stack-pool-tenancy');
    expect(policy.spec.validations).toEqual(PoolTenancyPolicy.VALIDATIONS);
    const denied = (tolerations: object[]) => (policy.spec.validations as Array<{ expression: string; message: string }>)
      .filter(v => run(v.expression, { object: toCel({ spec: { tolerations } }) as any, namespaceObject: toCel(find('Namespace', 'fraud')) as any }) !== true)
      .map(v => v.message);
    const own = fraudJob().spec.template.spec.tolerations;
    expect(denied([...own, { ...recsysToleration, value: 'fraud-training' }])).toEqual([]);
    expect(denied([...own, recsysToleration])).toEqual([expect.stringMatching(/only for the pools the team may use/)]);
  });
});

describe('inputs', () => {
  const nodeClass = (config: K8sManifestsConfig) => {
    const app = new App();
    return Testing.synth(buildK8sManifests(app, config).nodePools).find(m => m.kind === 'EC2NodeClass')!;
  };

  test('the defaults: outdir dist/k8s-manifests, no environment value', () => {
    expect(readEnvironment({})).toEqual({ config: {}, outdir: DEFAULT_OUTDIR });
    expect(DEFAULT_OUTDIR).toBe('dist/k8s-manifests');
  });

  test('the cluster name sets the default node role and discovery tag value', () => {
    const { config, outdir: dir } = readEnvironment({ MLOPS_CLUSTER_NAME: 'prod-gpu', CDK8S_OUTDIR: 'out/manifests' });
    expect(dir).toBe('out/manifests');
    const spec = nodeClass(config).spec;
    expect([spec.role, spec.subnetSelectorTerms[0].tags['karpenter.sh/discovery']]).toEqual(['KarpenterNodeRole-prod-gpu', 'prod-gpu']);
  });

  test('the node role and the discovery tag value are inputs of their own', () => {
    const { config } = readEnvironment({ MLOPS_CLUSTER_NAME: 'prod-gpu', MLOPS_NODE_ROLE_NAME: 'prod-gpu-nodes', MLOPS_DISCOVERY_TAG_VALUE: 'shared-vpc' });
    const spec = nodeClass(config).spec;
    expect([spec.role, spec.subnetSelectorTerms[0].tags, spec.securityGroupSelectorTerms[0].tags])
      .toEqual(['prod-gpu-nodes', { 'karpenter.sh/discovery': 'shared-vpc' }, { 'karpenter.sh/discovery': 'shared-vpc' }]);
  });

  test('the environment overrides the config object it is given', () => {
    const { config } = readEnvironment({ MLOPS_EXAMPLE_WORKLOADS: 'false' }, { clusterName: 'from-config', exampleWorkloads: true });
    expect(config).toEqual({ clusterName: 'from-config', exampleWorkloads: false });
  });

  test('a variable that is set but empty is an error naming it, never a fallback to the default', () => {
    expect(() => readEnvironment({ MLOPS_NODE_ROLE_NAME: ' ', MLOPS_CLUSTER_NAME: '' }))
      .toThrow(/invalid environment:\n {2}- MLOPS_CLUSTER_NAME is set but empty; give it a value for clusterName or unset it\n {2}- MLOPS_NODE_ROLE_NAME is set but empty/);
  });

  test('MLOPS_EXAMPLE_WORKLOADS must be true or false', () => {
    expect(() => readEnvironment({ MLOPS_EXAMPLE_WORKLOADS: 'yes' })).toThrow(/MLOPS_EXAMPLE_WORKLOADS \("yes"\) must be "true" or "false"/);
  });

  test.each<[string, K8sManifestsConfig, RegExp]>([
    ['a role ARN for the node role name', { nodeRoleName: 'arn:aws:iam::123456789012:role/KarpenterNodeRole-mlops-gpu' },
      /node-pools\/fraud: .*nodeRoleName \("arn:aws:iam::123456789012:role\/KarpenterNodeRole-mlops-gpu"\) must be the name of an IAM role: 1 to 64/],
    ['a role name over 64 characters', { nodeRoleName: 'r'.repeat(65) }, /nodeRoleName \("r{65}"\) must be the name of an IAM role/],
    ['a cluster name with a space', { clusterName: 'mlops gpu' }, /clusterName \("mlops gpu"\) must be an EKS cluster name: 1 to 100 letters/],
    ['a blank discovery tag value', { discoveryTagValue: ' ' }, /discoveryTagValue \(" "\) must be 1 to 256 characters, not blank/],
  ])('the cluster facts are checked at synth time: %s', (_name, config, message) => {
    expect(() => buildK8sManifests(new App(), config)).toThrow(message);
  });

  test('an empty team list is an error', () => {
    expect(() => buildK8sManifests(new App(), { teams: [] })).toThrow(/teams must not be empty/);
  });

  test('a team\'s own cost tags override the platform\'s; a team key other than its name is an error', () => {
    const teams = [{ name: 'fraud', instanceFamilies: ['g6', 'g6e'], gpuLimit: 8, spotGpus: 4, onDemandGpus: 2, costTags: { 'cost-center': 'cc-7100' } }];
    expect(nodeClass({ teams }).spec.tags).toEqual({ ...DEFAULT_PLATFORM_COST_TAGS, 'team': 'fraud', 'cost-center': 'cc-7100' });
    expect(() => nodeClass({ teams: [{ ...teams[0], costTags: { team: 'ml-platform' } }] }))
      .toThrow(/teams\/fraud: costTags team \("ml-platform"\) differs from the team's name \("fraud"\)/);
  });

  test('labels and tags follow the tag schema given, as the cost report groups by it', () => {
    const schema = TagSchema.define({
      keys: [{ key: 'owner', required: true }, { key: 'CostCenter', required: true, labelName: 'cost-center' }],
      teamKey: 'owner',
      labelPrefix: 'billing.example.com/',
    });
    const teams = [{ name: 'fraud', instanceFamilies: ['g6', 'g6e'], gpuLimit: 8, spotGpus: 4, onDemandGpus: 2 }];
    const app = new App();
    const charts = buildK8sManifests(app, { tagSchema: schema, platformCostTags: { owner: 'ml-platform', CostCenter: 'cc-4200' }, teams });
    const pools = Testing.synth(charts.nodePools);
    expect(pools.find(m => m.kind === 'EC2NodeClass').spec.tags).toEqual({ owner: 'fraud', CostCenter: 'cc-4200' });
    expect(pools.find(m => m.kind === 'NodePool').spec.template.metadata.labels)
      .toEqual(expect.objectContaining({ 'billing.example.com/owner': 'fraud', 'billing.example.com/cost-center': 'cc-4200' }));
    expect(Testing.synth(charts.teams).find(m => m.kind === 'Namespace').metadata.labels['billing.example.com/owner']).toBe('fraud');
  });
});

describe('the app, run as documented', () => {
  // `npx ts-node --transpile-only --project tsconfig.json examples/k8s-manifests/main.ts` from the repository root,
  // with aws-cdk-lib made unresolvable, as in a project that has only cdk8s.
  let stdout: string;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'k8s-manifests-cli-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLOPS_') && k !== 'CDK8S_OUTDIR'));
    stdout = execFileSync(process.execPath, [
      path.join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--transpile-only', '--project', 'tsconfig.json',
      '--require', path.join(ROOT, 'test', 'constructs', 'k8s', 'fixtures', 'block-aws-cdk-lib.ts'),
      'examples/k8s-manifests/main.ts',
    ], { cwd: ROOT, encoding: 'utf8', env: { ...env, CDK8S_OUTDIR: dir, MLOPS_EXAMPLE_WORKLOADS: 'true' } });
  });

  test('it writes the same files, without aws-cdk-lib', () => {
    expect(readdirSync(dir).sort()).toEqual(written);
    for (const file of written) {
      expect({ file, text: readFileSync(path.join(dir, file), 'utf8') }).toEqual({ file, text: readFileSync(path.join(outdir, file), 'utf8') });
    }
  });

  test('it says what it wrote and how to apply it', () => {
    expect(stdout).toBe(`Wrote 4 manifest files to ${dir}, in the order to apply them:\n` +
      written.map(f => `  ${path.join(dir, f)}\n`).join('') + `Apply with: kubectl apply -f ${dir}/\n`);
  });
});
