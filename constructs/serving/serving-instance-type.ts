import { INSTANCE_FAMILIES, familyName } from './private/instance-families';

/**
 * A SageMaker hosting instance type (`ml.<family>.<size>`). Endpoints reject types that are not `ml.*` or whose
 * family this library does not know, because the family decides whether the storage volume can be encrypted
 * with a KMS key (NVMe-only families cannot) and whether GPU metrics exist.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/instance-types-az.html
 */
export class ServingInstanceType {
  /** 2 vCPU, 8 GiB: the smallest general-purpose type, for light CPU models. */
  public static readonly ML_M5_LARGE = new ServingInstanceType('ml.m5.large');
  /** 4 vCPU, 16 GiB general purpose. */
  public static readonly ML_M5_XLARGE = new ServingInstanceType('ml.m5.xlarge');
  /** 4 vCPU, 8 GiB compute optimized. */
  public static readonly ML_C5_XLARGE = new ServingInstanceType('ml.c5.xlarge');
  /** 4 vCPU, 8 GiB compute optimized with Graviton. */
  public static readonly ML_C7G_XLARGE = new ServingInstanceType('ml.c7g.xlarge');
  /** One NVIDIA T4, NVMe instance storage. */
  public static readonly ML_G4DN_XLARGE = new ServingInstanceType('ml.g4dn.xlarge');
  /** One NVIDIA A10G, NVMe instance storage. */
  public static readonly ML_G5_XLARGE = new ServingInstanceType('ml.g5.xlarge');
  /** One NVIDIA A10G, 8 vCPU, NVMe instance storage. */
  public static readonly ML_G5_2XLARGE = new ServingInstanceType('ml.g5.2xlarge');
  /** One NVIDIA L4, NVMe instance storage. */
  public static readonly ML_G6_XLARGE = new ServingInstanceType('ml.g6.xlarge');
  /** Inferentia2, EBS storage. */
  public static readonly ML_INF2_XLARGE = new ServingInstanceType('ml.inf2.xlarge');

  /**
   * Any hosting instance type, as SageMaker spells it (`ml.g5.12xlarge`). Checked by the endpoint that uses it.
   */
  public static of(value: string): ServingInstanceType {
    return new ServingInstanceType(value);
  }

  private constructor(
    /** The instance type as SageMaker spells it. */
    public readonly value: string,
  ) {}

  /** The family (`g5` for `ml.g5.xlarge`), or undefined when the value is not `ml.<family>.<size>`. */
  public get family(): string | undefined {
    return familyName(this.value);
  }

  /** Whether the family is known to this library. */
  public get isKnown(): boolean {
    const family = this.family;
    return family !== undefined && Object.prototype.hasOwnProperty.call(INSTANCE_FAMILIES, family);
  }

  /** Whether the type has NVIDIA GPUs (false for unknown families). */
  public get hasGpu(): boolean {
    return this.isKnown && INSTANCE_FAMILIES[this.family!].gpu;
  }

  /**
   * Whether the type has NVMe instance storage and no EBS volume, so an endpoint config cannot name a KMS key
   * for it (false for unknown families).
   */
  public get hasInstanceStorageOnly(): boolean {
    return this.isKnown && INSTANCE_FAMILIES[this.family!].instanceStorage;
  }

  /** The instance type as SageMaker spells it. */
  public toString(): string {
    return this.value;
  }
}
