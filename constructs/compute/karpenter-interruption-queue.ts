import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

/**
 * Properties of a {@link KarpenterInterruptionQueue}.
 */
export interface KarpenterInterruptionQueueProps {
  /**
   * KMS key that encrypts the queue. EventBridge is allowed to use it to deliver events; grant consumers with
   * {@link KarpenterInterruptionQueue.grantConsume}.
   *
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
   * @default - a new customer managed key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The queue Karpenter reads to act on interruptions before they happen: spot interruption warnings,
 * rebalance recommendations, scheduled maintenance (AWS Health), instance state changes and capacity
 * reservation interruptions. Karpenter cordons and drains the node and launches a replacement within the
 * two-minute spot notice.
 *
 * Built as Karpenter documents it: five EventBridge rules with exact `source` / `detail-type` patterns (a
 * misspelt detail-type matches nothing and fails silently), a queue that keeps messages 300 seconds (an
 * older notice is stale), encrypted at rest and refusing non-TLS access.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */
export class KarpenterInterruptionQueue extends Construct {
  /** The SQS queue; pass its name to Karpenter's `settings.interruptionQueue`. */
  public readonly queue: sqs.IQueue;

  /** The KMS key that encrypts the queue. */
  public readonly encryptionKey: kms.IKey;

  /** The EventBridge rules feeding the queue. */
  public readonly rules: events.IRule[];

  constructor(scope: Construct, id: string, props: KarpenterInterruptionQueueProps = {}) {
    super(scope, id);
    // With a KMS-encrypted queue, aws-cdk-lib can only restrict EventBridge's send permission to this account
    // under this feature flag; set on this construct alone, it changes nothing else in the user's app.
    this.node.setContext(cxapi.EVENTS_TARGET_QUEUE_SAME_ACCOUNT, true);
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: 'Encrypts the Karpenter interruption queue',
      enableKeyRotation: true,
    });
    const queue = new sqs.Queue(this, 'Queue', {
      // Karpenter's documented retention: a notice older than five minutes describes a node already gone.
      retentionPeriod: Duration.seconds(300),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.queue = queue;

    const rule = (ruleId: string, description: string, source: string, detailType: string) => new events.Rule(this, ruleId, {
      description,
      eventPattern: { source: [source], detailType: [detailType] },
      targets: [new targets.SqsQueue(queue)],
    });
    this.rules = [
      rule('ScheduledChangeRule', 'Karpenter: scheduled maintenance of instances (AWS Health)', 'aws.health', 'AWS Health Event'),
      rule('SpotInterruptionRule', 'Karpenter: two-minute spot interruption warnings', 'aws.ec2', 'EC2 Spot Instance Interruption Warning'),
      rule('RebalanceRule', 'Karpenter: spot rebalance recommendations', 'aws.ec2', 'EC2 Instance Rebalance Recommendation'),
      rule('InstanceStateChangeRule', 'Karpenter: instance stopping and termination', 'aws.ec2', 'EC2 Instance State-change Notification'),
      rule('CapacityReservationInterruptionRule', 'Karpenter: interruptible capacity reservation reclaims', 'aws.ec2',
        'EC2 Capacity Reservation Instance Interruption Warning'),
    ];
  }

  /**
   * Let `grantee` read and delete messages: exactly the queue actions Karpenter's controller policy lists
   * (`sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:GetQueueUrl`), plus `kms:Decrypt` on the queue's key.
   */
  public grantConsume(grantee: iam.IGrantable): iam.Grant {
    const grant = this.queue.grant(grantee, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueUrl');
    this.encryptionKey.grantDecrypt(grantee);
    return grant;
  }
}
