/**
 * EC2 instance families with NVIDIA GPUs, which the NVIDIA device plugin exposes as `nvidia.com/gpu`.
 *
 * @see https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html
 */
export const NVIDIA_GPU_FAMILIES: readonly string[] = [
  'g4dn', 'g5', 'g5g', 'g6', 'g6e', 'g6f', 'gr6', 'gr6f', 'g7e',
  'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'p6-b200', 'p6-b300', 'p6e-gb200',
];

/** Accelerated families that are not NVIDIA GPUs, with what they are, for a precise error message. */
const OTHER_ACCELERATORS: Readonly<Record<string, string>> = {
  g4ad: 'AMD Radeon GPUs (no nvidia.com/gpu resource)',
  inf1: 'AWS Inferentia (aws.amazon.com/neuron, not nvidia.com/gpu)',
  inf2: 'AWS Inferentia2 (aws.amazon.com/neuron, not nvidia.com/gpu)',
  trn1: 'AWS Trainium (aws.amazon.com/neuron, not nvidia.com/gpu)',
  trn1n: 'AWS Trainium (aws.amazon.com/neuron, not nvidia.com/gpu)',
  trn2: 'AWS Trainium2 (aws.amazon.com/neuron, not nvidia.com/gpu)',
  dl1: 'Habana Gaudi (not nvidia.com/gpu)',
  dl2q: 'Qualcomm AI 100 (not nvidia.com/gpu)',
  f1: 'FPGAs (not nvidia.com/gpu)',
  f2: 'FPGAs (not nvidia.com/gpu)',
  vt1: 'Xilinx video transcoding accelerators (not nvidia.com/gpu)',
};

/** Why `family` cannot be in a GPU pool, or undefined when it has NVIDIA GPUs. */
export function nonGpuFamilyReason(family: string): string | undefined {
  if (NVIDIA_GPU_FAMILIES.includes(family)) {
    return undefined;
  }
  return OTHER_ACCELERATORS[family] ?? 'no NVIDIA GPU';
}
