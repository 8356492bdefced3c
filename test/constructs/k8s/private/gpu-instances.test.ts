import { CpuNodePool, GpuNodePool, PoolTenancy } from '../../../../constructs/k8s';
import { maxGpusPerNodeOf } from '../../../../constructs/k8s/private/gpu-instances';
import { CLUSTER, PLATFORM_TAGS, newChart } from '../helpers';

function pool(instanceFamilies: string[], instanceSizes?: string[]) {
  return new GpuNodePool(newChart(), 'Pool', { ...CLUSTER, tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS, instanceFamilies, instanceSizes, gpuLimit: 8 });
}

describe('maxGpusPerNodeOf', () => {
  test('the largest size of the families when the pool allows every size', () => {
    expect(maxGpusPerNodeOf(pool(['g5', 'g6']))).toEqual({ maxGpusPerNode: 8, largest: ['g5.48xlarge', 'g6.48xlarge'], exact: true });
  });

  test('only the sizes the pool allows', () => {
    expect(maxGpusPerNodeOf(pool(['g6', 'g6e'], ['xlarge', '12xlarge']))).toEqual({ maxGpusPerNode: 4, largest: ['g6.12xlarge', 'g6e.12xlarge'], exact: true });
    expect(maxGpusPerNodeOf(pool(['g6'], ['xlarge', '2xlarge'])).maxGpusPerNode).toBe(1);
  });

  test('a family without known sizes counts as the most any EC2 instance has', () => {
    expect(maxGpusPerNodeOf(pool(['g7e'], ['2xlarge']))).toEqual({ maxGpusPerNode: 8, largest: ['g7e'], exact: false });
  });

  test('a CPU pool has no GPUs', () => {
    const cpu = new CpuNodePool(newChart(), 'Cpu', { ...CLUSTER, tenancy: PoolTenancy.shared(), costTags: PLATFORM_TAGS });
    expect(maxGpusPerNodeOf(cpu).maxGpusPerNode).toBe(0);
  });
});
