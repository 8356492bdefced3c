import { Stack, Token } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TrainingCheckpoints } from '../k8s/distributed-training-job';
import { throwIfProblems } from '../private/errors';
import { acknowledgeWildcard } from '../private/nag';
import { ModelRegistry, type IModelRegistry } from '../registry/model-registry';

/**
 * Properties of a {@link TrainingPodIdentity}.
 */
export interface TrainingPodIdentityProps {
  /**
   * The EKS cluster the training pods run in (e.g. `GpuCluster.cluster`). It needs the EKS Pod Identity agent
   * add-on, which `GpuCluster` installs.
   */
  readonly cluster: eks.ICluster;

  /** The model registry whose artifact bucket and key hold the checkpoints. */
  readonly registry: IModelRegistry;

  /**
   * The registry model being trained: checkpoints go under its artifact prefix, in `checkpoints/`. With a
   * `ModelRegistry` of this app, it must be one of its models.
   */
  readonly modelName: string;

  /** Kubernetes namespace of the training pods: the team's (`GpuTeam.namespaceName`). */
  readonly namespace: string;

  /**
   * Kubernetes service account of the training pods (a DNS-1123 label). `DistributedTrainingJob` creates it.
   *
   * @default - `<lower-case model name>-training`
   */
  readonly serviceAccountName?: string;
}

/**
 * The AWS identity of a model's training pods: an IAM role that EKS Pod Identity gives the pods of one service
 * account in one namespace of one cluster, allowed to read, write and list the model's checkpoint prefix in the
 * registry bucket (`<model prefix>checkpoints/`) and nothing else.
 *
 * The role trusts `pods.eks.amazonaws.com` (`sts:AssumeRole` and `sts:TagSession`, which Pod Identity needs to
 * attach the cluster, namespace and service account as session tags). KMS use is limited like the registry's
 * own grants: through S3 in the registry's region, and only with the artifact bucket as the encryption context
 * (the registry bucket uses an S3 Bucket Key). No delete: old checkpoints stay as object versions the registry's
 * lifecycle rules expire. Pass {@link checkpoints} to `DistributedTrainingJob`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
 * @example
 * const identity = new TrainingPodIdentity(stack, 'FraudTraining', {
 *   cluster: gpu.cluster, registry, modelName: 'fraud-scoring', namespace: 'fraud',
 * });
 * new DistributedTrainingJob(chart, 'Pretrain', { ..., checkpoints: identity.checkpoints });
 */
export class TrainingPodIdentity extends Construct implements iam.IGrantable {
  /** The role the training pods get. */
  public readonly role: iam.Role;
  /** The EKS Pod Identity association of the service account with the role. */
  public readonly association: CfnPodIdentityAssociation;
  /** The key prefix the role may read and write, ending in `/`: `<model prefix>checkpoints/`. */
  public readonly checkpointPrefix: string;
  /** Namespace of the service account. */
  public readonly namespace: string;
  /** Name of the service account. */
  public readonly serviceAccountName: string;
  /** Where `DistributedTrainingJob` writes checkpoints, and as which service account. */
  public readonly checkpoints: TrainingCheckpoints;
  /** The role, as the principal of further grants. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: TrainingPodIdentityProps) {
    super(scope, id);
    const { registry, modelName, namespace } = props;
    const serviceAccountName = props.serviceAccountName ?? `${(modelName ?? '').toLowerCase()}-training`;
    throwIfProblems(this, 'invalid TrainingPodIdentity properties', problems(props, serviceAccountName));

    // A registry of this app knows its models (and rejects unknown ones); an imported one uses the same layout.
    const modelPrefix = registry instanceof ModelRegistry ? registry.model(modelName).artifactsPrefix : `models/${modelName}/`;
    this.checkpointPrefix = `${modelPrefix}checkpoints/`;
    this.namespace = namespace;
    this.serviceAccountName = serviceAccountName;

    this.role = new iam.Role(this, 'Role', {
      description: `Training pods of model ${modelName} (service account ${namespace}/${serviceAccountName}, EKS Pod Identity)`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    });
    this.grantPrincipal = this.role;

    const bucket = registry.artifactBucket;
    const objects = bucket.arnForObjects(`${this.checkpointPrefix}*`);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CheckpointObjects',
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [objects],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ListCheckpoints',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.checkpointPrefix}*`] } },
    }));
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CheckpointEncryption',
      // Multipart uploads (large checkpoints) need Decrypt as well as GenerateDataKey.
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [registry.encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `s3.${bucket.env.region ?? stack.region}.${stack.urlSuffix}`,
          'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
        },
      },
    }));

    this.association = new CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace,
      serviceAccount: serviceAccountName,
      roleArn: this.role.roleArn,
    });

    this.checkpoints = { bucketName: bucket.bucketName, prefix: this.checkpointPrefix, serviceAccountName };

    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      acknowledgeWildcard(policy, objects, 'Read and write of the objects under this model\'s checkpoint prefix only: checkpoint keys ' +
        'are chosen by the training script at run time (one folder per job), so they cannot be listed here.');
    }
  }
}

// Kubernetes names: a DNS-1123 label.
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function problems(props: TrainingPodIdentityProps, serviceAccountName: string): string[] {
  const out: string[] = [];
  if (!props.cluster) {
    out.push('cluster is required: the EKS cluster the training pods run in (e.g. GpuCluster.cluster)');
  }
  if (!props.registry) {
    out.push('registry is required: the model registry whose bucket holds the checkpoints');
  }
  if (!props.modelName) {
    out.push('modelName is required: the registry model being trained');
  }
  for (const [prop, value] of [['namespace', props.namespace], ['serviceAccountName', serviceAccountName]] as const) {
    if (Token.isUnresolved(value)) {
      continue;
    }
    if (!value || value.length > 63 || !DNS_1123_LABEL.test(value)) {
      out.push(`${prop} ("${value}") must be a DNS-1123 label: 1 to 63 lower-case letters, digits and "-", starting and ending ` +
        `with a letter or digit${prop === 'serviceAccountName' && props.serviceAccountName === undefined ? ' (set serviceAccountName: the default is derived from modelName)' : ''}`);
    }
  }
  return out;
}
