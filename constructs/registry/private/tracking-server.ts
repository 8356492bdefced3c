import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { nagResource } from '../../private/nag';

export interface TrackingServerProps {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Key prefix of the artifact store, ending in `/`. */
  readonly prefix: string;
  readonly trackingServerName: string;
  readonly size: string;
  readonly mlflowVersion?: string;
  readonly automaticModelRegistration: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A SageMaker managed MLflow tracking server whose artifact store is a prefix of the registry's bucket, and
 * the role it runs as. The role reaches only that prefix, the key through S3, and (with automatic model
 * registration) the registry's own model package groups.
 */
export class TrackingServer extends Construct {
  public readonly role: iam.Role;
  public readonly server: sagemaker.CfnMlflowTrackingServer;
  private readonly automaticModelRegistration: boolean;

  constructor(scope: Construct, id: string, props: TrackingServerProps) {
    super(scope, id);
    this.automaticModelRegistration = props.automaticModelRegistration;
    const stack = Stack.of(this);
    const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } };

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Lets the MLflow tracking server read and write its artifact store prefix in the model registry bucket',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [props.bucket.arnForObjects(`${props.prefix}*`)],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [props.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${props.prefix}*`] } },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation'],
      resources: [props.bucket.bucketArn],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.key.keyArn],
      conditions: viaS3,
    }));

    this.server = new sagemaker.CfnMlflowTrackingServer(this, 'Resource', {
      trackingServerName: props.trackingServerName,
      artifactStoreUri: props.bucket.s3UrlForObject(props.prefix),
      roleArn: this.role.roleArn,
      trackingServerSize: props.size,
      mlflowVersion: props.mlflowVersion,
      automaticModelRegistration: props.automaticModelRegistration,
    });
    // The server reaches its artifact store when it starts: attach the role's policy first (the role ARN
    // alone orders only the role).
    this.server.node.addDependency(this.role.node.findChild('DefaultPolicy'));
    this.server.applyRemovalPolicy(props.removalPolicy);

    const bucketLogicalId = stack.getLogicalId(props.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${props.prefix}*]`,
      reason: `MLflow names run artifacts at run time; the wildcard is confined to the tracking server's own prefix "${props.prefix}" of the registry bucket`,
    });
  }

  /**
   * Let automatic model registration add versions to a model's package group (and only to groups of the
   * registry).
   */
  public allowRegistration(groupArn: string, packagesArn: string, groupName: string): void {
    if (!this.automaticModelRegistration) {
      return;
    }
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [
        'sagemaker:DescribeModelPackageGroup',
        'sagemaker:CreateModelPackageGroup',
        'sagemaker:CreateModelPackage',
        'sagemaker:DescribeModelPackage',
        'sagemaker:UpdateModelPackage',
        'sagemaker:AddTags',
      ],
      resources: [groupArn, packagesArn],
    }));
    // Built from the ARN itself: a stack with a known region or account prints them as literals in the finding.
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, packagesArn)}]`,
      reason: `Model package versions get numbers at registration; the wildcard covers only the versions of the registry's "${groupName}" group`,
    });
  }
}
