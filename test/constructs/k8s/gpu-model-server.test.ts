import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { objectOf, servingCluster } from './helpers';
import { ManifestValidator, kubernetesSchemaDir } from './manifest-validator';
import {
  CapacityType,
  GpuModelServer,
  K8sWarnings,
  Placement,
  type GpuModelServerProps,
} from '../../../constructs';

const IMAGE = 'nvcr.io/nvidia/tritonserver:25.01-py3';

const cluster = servingCluster;

function server(props: Partial<GpuModelServerProps> = {}) {
  const c = cluster();
  const construct = new GpuModelServer(c.chart, 'Scoring', { team: c.fraud, pool: c.serving, image: IMAGE, maxReplicas: 3, ...props });
  return { ...c, server: construct };
}

const podSpec = (chart: ReturnType<typeof cluster>['chart']) => objectOf(chart, 'Deployment').spec.template.spec;

describe('GpuModelServer', () => {
  test.each(['1.30.0', '1.37.0'])('every manifest is valid against the Kubernetes %s schemas', (version) => {
    const { chart } = server({ serviceAccountName: 'model-reader', env: { MODEL: 's3://fraud-models/scoring/v3' }, args: ['--model-repository=/models'] });
    const validator = new ManifestValidator(undefined, kubernetesSchemaDir(version));
    expect(validator.validateAll(Testing.synth(chart))).toEqual([]);
  });

  test('a Deployment, a Service, a HorizontalPodAutoscaler and a PodDisruptionBudget, in the team namespace with its cost labels', () => {
    const { chart, fraud } = server();
    const objects = Testing.synth(chart).filter(o => o.metadata?.name === 'scoring');
    expect(objects.map(o => o.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    for (const o of objects) {
      expect([o.kind, o.metadata.namespace, o.metadata.labels]).toEqual([o.kind, 'fraud', fraud.costLabels]);
    }
    expect(objectOf(chart, 'Deployment').spec.template.metadata.labels).toMatchObject(fraud.costLabels);
  });

  test('the GPU limit, CPU and memory are in the synthesized manifest, with no cdk8s-plus default limits', () => {
    const { chart } = server({ gpus: 2, cpu: '3500m', memory: '12Gi' });
    expect(podSpec(chart).containers[0].resources).toEqual({
      requests: { cpu: '3500m', memory: '12Gi' },
      limits: { 'memory': '12Gi', 'nvidia.com/gpu': 2 },
    });
  });

  test('defaults: one GPU, 2 CPUs, 8Gi, port 8080 behind Service port 80', () => {
    const { chart } = server();
    const container = podSpec(chart).containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { 'memory': '8Gi', 'nvidia.com/gpu': 1 } });
    expect(container.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(objectOf(chart, 'Service').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  });

  test('the Service and the disruption budget select the Deployment\'s pods', () => {
    const { chart } = server();
    const deployment = objectOf(chart, 'Deployment');
    expect(objectOf(chart, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(objectOf(chart, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  test('the autoscaler scales the Deployment between min and max replicas on CPU by default; the Deployment sets no replicas', () => {
    const { chart } = server({ minReplicas: 2, maxReplicas: 6 });
    expect(objectOf(chart, 'HorizontalPodAutoscaler').spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scoring' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(objectOf(chart, 'Deployment').spec.replicas).toBeUndefined();
  });

  test('custom scaling metrics and disruption budget', () => {
    const { chart } = server({ scalingMetrics: [kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(80))], maxUnavailable: 2 });
    expect(objectOf(chart, 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(objectOf(chart, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });

  test('probes: Open Inference Protocol health paths by default, ten minutes to load the model', () => {
    const container = podSpec(server().chart).containers[0];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/v2/health/ready', port: 8080 });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/v2/health/live', port: 8080 });
    expect(container.startupProbe).toMatchObject({ httpGet: { path: '/v2/health/live', port: 8080 }, periodSeconds: 10, failureThreshold: 60 });
  });

  test('probes: typed cdk8s-plus probes replace the defaults', () => {
    const container = podSpec(server({
      port: 8000,
      readiness: kplus.Probe.fromHttpGet('/health', { port: 8000 }),
      liveness: kplus.Probe.fromTcpSocket({ port: 8000 }),
      startup: kplus.Probe.fromHttpGet('/health', { port: 8000, periodSeconds: Duration.seconds(30), failureThreshold: 40 }),
    }).chart).containers[0];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/health', port: 8000 });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 8000 });
    expect(container.startupProbe).toMatchObject({ periodSeconds: 30, failureThreshold: 40 });
  });

  test('a read-only root filesystem with an empty directory on /tmp, and the service account when given', () => {
    const spec = podSpec(server({ serviceAccountName: 'model-reader' }).chart);
    expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(spec.serviceAccountName).toBe('model-reader');
  });

  test('the pods select the pool in one node selector term, on-demand by default, and tolerate only the GPU taint and the pool\'s', () => {
    const { chart, server: s } = server();
    const spec = podSpec(chart);
    expect(s.capacityType).toBe(CapacityType.ON_DEMAND);
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{
      matchExpressions: [
        { key: 'mlops-stack.io/pool', operator: 'In', values: ['serving'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ],
    }]);
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      { key: 'mlops-stack.io/pool', operator: 'Equal', value: 'serving', effect: 'NoSchedule' },
    ]);
  });
});

describe('GpuModelServer placement', () => {
  const billedTo = (manifests: any[], name: string) =>
    manifests.find(m => m.kind === 'NodePool' && m.metadata.name === name)!.spec.template.metadata.labels['mlops-stack.io/team'];

  test('the pods land on exactly the serving pool, billed to the platform', () => {
    const { chart } = server();
    const manifests = Testing.synth(chart);
    const placement = Placement.ofWorkload(objectOf(chart, 'Deployment'), manifests);
    expect([placement.runnable, placement.nodePools]).toEqual([true, ['serving']]);
    expect(placement.nodePools.map(p => billedTo(manifests, p))).toEqual(['ml-platform']);
  });

  test('on the team\'s own pool, spot: exactly that pool, billed to the team', () => {
    const c = cluster();
    new GpuModelServer(c.chart, 'OwnScoring', { team: c.fraud, pool: c.own, image: IMAGE, maxReplicas: 1, capacityType: CapacityType.SPOT });
    const manifests = Testing.synth(c.chart);
    const placement = Placement.ofWorkload(objectOf(c.chart, 'Deployment'), manifests);
    expect(placement.nodePools).toEqual(['fraud-training']);
    expect(placement.nodePools.map(p => billedTo(manifests, p))).toEqual(['fraud']);
  });
});

describe('GpuModelServer bad input', () => {
  test.each<[string, Partial<GpuModelServerProps>, RegExp]>([
    ['replicas min > max', { minReplicas: 4, maxReplicas: 2 }, /minReplicas \(4\) must not exceed maxReplicas \(2\); raise maxReplicas or lower minReplicas/],
    ['minReplicas 0', { minReplicas: 0 }, /minReplicas \(0\) must be a whole number from 1 .*does not scale to zero/],
    ['maxReplicas 0', { maxReplicas: 0 }, /maxReplicas \(0\) must be a whole number from 1/],
    ['a disruption budget that blocks every drain', { maxUnavailable: 0 }, /maxUnavailable \(0\) must be a whole number greater than 0/],
    ['GPUs above the team\'s maxGpusPerContainer', { gpus: 3 },
      /gpus \(3\) is more than team "fraud" allows one container \(maxGpusPerContainer 2\)/],
    ['zero GPUs', { gpus: 0 }, /gpus \(0\) must be a whole number greater than 0/],
    ['a capacity type the pool does not buy', { capacityType: CapacityType.SPOT }, /capacityType spot is not bought by pool "serving" \(on-demand\)/],
    ['a port out of range', { port: 70000 }, /port \(70000\) must be a port number from 1 to 65535/],
    ['a bad CPU quantity', { cpu: 'two' }, /cpu \("two"\) must be a Kubernetes quantity/],
    ['a bad memory quantity', { memory: '8GB' }, /memory \("8GB"\) must be a Kubernetes quantity/],
    ['a name that is not a Service name', { name: '9scoring' }, /name \("9scoring"\) must be 1 to 63 lower-case letters/],
    ['no image', { image: '' }, /image is required/],
  ])('%s', (_what, props, message) => {
    expect(() => server(props)).toThrow(message);
  });

  test('a pool dedicated to another team names the pool, its tenancy and the team', () => {
    const c = cluster();
    expect(() => new GpuModelServer(c.chart, 'Scoring', { team: c.fraud, pool: c.others, image: IMAGE, maxReplicas: 1 }))
      .toThrow(/Test\/Scoring\/Deployment: requestGpus: pool "recsys-training" is dedicated to team "recsys" and billed to "recsys"; team "fraud" may use its own pools and shared ones/);
  });

  test('a CPU pool is refused', () => {
    const c = cluster();
    expect(() => new GpuModelServer(c.chart, 'Scoring', { team: c.fraud, pool: c.cpu, image: IMAGE, maxReplicas: 1 }))
      .toThrow(/pool "cpu" is a CPU pool; GPU work needs a GPU pool/);
  });

  test('every problem of the server\'s own props is reported at once', () => {
    expect(() => server({ minReplicas: 5, maxReplicas: 2, port: 0, maxUnavailable: 0 }))
      .toThrow(/invalid GpuModelServer properties:\n {2}- port \(0\).*\n {2}- minReplicas \(5\) must not exceed.*\n {2}- maxUnavailable \(0\)/);
  });

  test('more replicas than the team\'s GPU quota is a warning, not an error', () => {
    expect(K8sWarnings.of(server({ gpus: 2, maxReplicas: 5 }).chart).map(w => w.id)).toEqual(['mlops-stack:serving-exceeds-team-gpu-quota']);
    expect(K8sWarnings.of(server({ gpus: 2, maxReplicas: 4 }).chart)).toEqual([]);
  });
});
