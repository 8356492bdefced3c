import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KarpenterInterruptionQueue } from '../../../constructs';

function synth(build?: (q: KarpenterInterruptionQueue, stack: Stack) => void): Template {
  const stack = new Stack(new App(), 'Interruption');
  const queue = new KarpenterInterruptionQueue(stack, 'Queue');
  build?.(queue, stack);
  return Template.fromStack(stack);
}

// Written out by hand from Karpenter's documentation, not read from the construct: a typo in either place fails
// the test instead of being copied into it.
const DOCUMENTED_RULES: Array<[string, string]> = [
  ['aws.health', 'AWS Health Event'],
  ['aws.ec2', 'EC2 Spot Instance Interruption Warning'],
  ['aws.ec2', 'EC2 Instance Rebalance Recommendation'],
  ['aws.ec2', 'EC2 Instance State-change Notification'],
  ['aws.ec2', 'EC2 Capacity Reservation Instance Interruption Warning'],
];

test('exactly five rules feed the queue', () => {
  const template = synth();
  template.resourceCountIs('AWS::Events::Rule', 5);
});

test.each(DOCUMENTED_RULES)('a rule matches exactly source %s, detail-type "%s", and targets the queue', (source, detailType) => {
  const template = synth();
  const queueId = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: Match.exact({ 'source': [source], 'detail-type': [detailType] }),
    State: 'ENABLED',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })],
  });
});

test('the queue keeps messages 300 seconds and is encrypted with a rotating KMS key', () => {
  const template = synth();
  template.hasResourceProperties('AWS::SQS::Queue', {
    MessageRetentionPeriod: 300,
    KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
  });
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
});

test('the queue policy denies any access without TLS', () => {
  const template = synth();
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([{
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      }]),
    },
  });
});

test('EventBridge rules of this account only may send to the queue', () => {
  const template = synth();
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: Match.arrayWith(['sqs:SendMessage']),
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      })]),
    },
  });
});

test('EventBridge rules of this account only may use the queue key', () => {
  const template = synth();
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'events.amazonaws.com' },
        Action: Match.arrayWith(['kms:GenerateDataKey*']),
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      })]),
    },
  });
});

test('grantConsume gives receive, delete and queue URL, plus decrypt on the key', () => {
  const template = synth((queue, stack) => {
    const role = new iam.Role(stack, 'Controller', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    queue.grantConsume(role);
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        Match.objectLike({ Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueUrl'] }),
        Match.objectLike({ Action: 'kms:Decrypt' }),
      ],
    },
  });
});
