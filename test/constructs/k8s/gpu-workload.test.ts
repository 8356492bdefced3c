import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { TAGS, newChart, objectOf } from './helpers';
import { ManifestValidator } from './manifest-validator';
import { GpuTeam, GpuWorkload, type RequestGpusOptions } from '../../../constructs';

function job(options: Partial<RequestGpusOptions> = {}, containers = 1) {
  const chart = newChart();
  const team = new GpuTeam(chart, 'Fraud', { name: 'fraud', costTags: TAGS, maxGpus: 8 });
  const construct = new kplus.Job(chart, 'Train', {
    metadata: { name: 'train', namespace: 'fraud' },
    containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: 'public.ecr.aws/docker/library/python:3.12' })),
  });
  GpuWorkload.requestGpus(construct, { gpus: 2, team, ...options });
  return { chart, job: construct, team };
}

test('the GPU limit is present in the synthesized manifest', () => {
  const { chart } = job({ gpus: 4 });
  expect(objectOf(chart, 'Job').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(4);
});

test('the GPU limit goes to the chosen container only', () => {
  const { chart } = job({ containerIndex: 1 }, 2);
  const containers = objectOf(chart, 'Job').spec.template.spec.containers;
  expect(containers.map((c: any) => c.resources.limits['nvidia.com/gpu'])).toEqual([undefined, 2]);
});

test('pods tolerate the GPU node taint', () => {
  const { chart } = job();
  expect(objectOf(chart, 'Job').spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
});

test('the job and its pods carry the team cost labels', () => {
  const { chart, team } = job();
  const manifest = objectOf(chart, 'Job');
  expect(manifest.metadata.labels).toMatchObject(team.costLabels);
  expect(manifest.spec.template.metadata.labels).toMatchObject(team.costLabels);
});

test('Kueue queue and priority labels', () => {
  const { chart } = job({ localQueueName: 'fraud', priorityClassName: 'production' });
  expect(objectOf(chart, 'Job').metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'fraud', 'kueue.x-k8s.io/priority-class': 'production' });
});

test('the job manifest is valid against the Kubernetes 1.28 schemas', () => {
  const { chart } = job({ localQueueName: 'fraud' });
  expect(new ManifestValidator().validateAll(Testing.synth(chart))).toEqual([]);
});

test.each([0, -1, 1.5])('gpus %p', (gpus) => {
  expect(() => job({ gpus })).toThrow(/Test\/Train: requestGpus: gpus \(.*\) must be a whole number greater than 0/);
});

test('container index out of range', () => {
  expect(() => job({ containerIndex: 1 })).toThrow(/requestGpus: containerIndex \(1\) must point at one of the workload's 1 container/);
});
