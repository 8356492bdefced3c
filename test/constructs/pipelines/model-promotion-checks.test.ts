import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { crossAccountPromotion, MODEL, PIPELINE_ACCOUNT, promotionFixture, REGION } from './promotion-fixtures';
import { ModelEndpoint, ModelRegistry, ModelSource } from '../../../constructs';
import { cfnLint, describeViolations, synthWithNag, templatePaths } from '../../harness/validators';

/**
 * A representative app: a promotion with a cross-account production and an approval topic, the production
 * account's roles, and the staging stack the pipeline deploys (its endpoint's package ARN is a parameter).
 */
const result = synthWithNag(app => {
  const f = promotionFixture(app);
  crossAccountPromotion(f, { approvalEmails: ['ml-oncall@example.com'] });
  // Environment-agnostic, as a template uploaded for the pipeline to deploy is; the registry is imported by name.
  const staging = new Stack(app, 'FraudStaging');
  const registry = ModelRegistry.fromModelRegistryAttributes(staging, 'Registry', {
    artifactBucketName: 'fraud-registry-artifacts',
    encryptionKeyArn: `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  });
  new ModelEndpoint(staging, 'Endpoint', {
    registry,
    model: {
      name: MODEL,
      artifactsPrefix: `models/${MODEL}/`,
      repository: ecr.Repository.fromRepositoryName(staging, 'Images', `models/${MODEL}`),
      modelPackageGroupName: MODEL,
      modelPackageGroupArn: `arn:aws:sagemaker:${REGION}:${PIPELINE_ACCOUNT}:model-package-group/${MODEL}`,
    },
    source: ModelSource.modelPackageParameter(staging),
    endpointName: 'fraud-staging',
  });
});

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  expect(describeViolations(result.violations)).toBe('');
  expect(result.assembly).toBeDefined();
});

test('cfn-lint finds no error', () => {
  const lint = cfnLint(templatePaths(result.assembly!));
  expect(lint.errors).toEqual([]);
});
