/** What this library knows about a SageMaker hosting instance family. */
export interface InstanceFamily {
  /** NVIDIA GPUs: GPU utilization metrics exist and serverless cannot host it. */
  readonly gpu: boolean;
  /**
   * The family has NVMe instance storage and no EBS storage volume. SageMaker rejects `KmsKeyId` in
   * `CreateEndpointConfig` for such instances: "Certain Nitro-based instances include local storage ... You can't
   * request a KmsKeyId when using an instance type with local storage ... the call to CreateEndpointConfig fails."
   * Local volumes are encrypted by a hardware module on the instance instead.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html#sagemaker-CreateEndpointConfig-request-KmsKeyId
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html
   */
  readonly instanceStorage: boolean;
}

const CPU_EBS: InstanceFamily = { gpu: false, instanceStorage: false };
const CPU_NVME: InstanceFamily = { gpu: false, instanceStorage: true };
const GPU_EBS: InstanceFamily = { gpu: true, instanceStorage: false };
const GPU_NVME: InstanceFamily = { gpu: true, instanceStorage: true };

/**
 * Hosting instance families (the part between `ml.` and the size). A family missing here is rejected rather
 * than guessed at: whether it has EBS decides whether the endpoint config may carry a KMS key, and a wrong
 * guess fails the deployment instead of the synth.
 *
 * @see https://aws.amazon.com/sagemaker/pricing/ (real-time inference instance list)
 */
export const INSTANCE_FAMILIES: Readonly<Record<string, InstanceFamily>> = Object.fromEntries([
  // General purpose, burstable, compute and memory optimized (Intel, AMD, Graviton): EBS only.
  ...families(CPU_EBS, 't2 t3 m4 m5 m6i m7i m6g m7g c4 c5 c6i c7i c6g c6gn c7g r5 r6i r7i r6g r7g'),
  // The "d" variants carry NVMe instance storage.
  ...families(CPU_NVME, 'm5d c5d r5d m6id c6id r6id m6gd c6gd r6gd'),
  // Inferentia and Trainium accelerators: Neuron devices, not GPUs.
  ...families(CPU_EBS, 'inf1 inf2'),
  ...families(CPU_NVME, 'trn1'),
  // NVIDIA GPUs.
  ...families(GPU_EBS, 'p2 p3'),
  ...families(GPU_NVME, 'g4dn g5 g6 g6e p3dn p4d p4de p5 p5e'),
]);

function families(family: InstanceFamily, names: string): Array<[string, InstanceFamily]> {
  return names.split(' ').map(name => [name, family]);
}

/** The family of an `ml.<family>.<size>` instance type, or undefined when the type is not of that shape. */
export function familyName(instanceType: string): string | undefined {
  return /^ml\.([a-z0-9]+)\.[a-z0-9]+$/.exec(instanceType)?.[1];
}
