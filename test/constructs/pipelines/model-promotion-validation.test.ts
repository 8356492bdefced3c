import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MODEL, PIPELINE_ACCOUNT, PROD_ACCOUNT, promotionFixture, promotionProps, REGION } from './promotion-fixtures';
import { ModelPromotion, type ModelPromotionProps, ModelRegistry } from '../../../constructs';

function promote(overrides: Partial<ModelPromotionProps> = {}, consumerAccounts?: string[]): () => ModelPromotion {
  const f = promotionFixture(undefined, consumerAccounts);
  return () => new ModelPromotion(f.stack, 'Promotion', promotionProps(f, overrides));
}

function prodRoles(account = PROD_ACCOUNT) {
  const app = new App();
  const stack = new Stack(app, 'Prod', { env: { account, region: REGION } });
  return {
    actionRole: new iam.Role(stack, 'Action', { assumedBy: new iam.AccountPrincipal(PIPELINE_ACCOUNT) }),
    deploymentRole: new iam.Role(stack, 'Deploy', { assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com') }),
  };
}

const STAGING = { stackName: 'FraudStaging', templateFile: 'FraudStaging.template.json', endpointName: 'fraud-staging' };
const PROD = { stackName: 'FraudProd', templateFile: 'FraudProd.template.json', endpointName: 'fraud-prod' };

describe('the model', () => {
  test('a model the registry does not hold is an error naming the path, the model and the registry\'s models', () => {
    expect(promote({ modelName: 'credit-risk' })).toThrow(
      /Pipelines\/Promotion.*modelName \("credit-risk"\) is not a model of the registry Pipelines\/Registry \(models: "fraud-scoring", "churn"\)/s);
  });

  test('a model name the registry could never hold is an error', () => {
    expect(promote({ modelName: 'fraud scoring!' })).toThrow(/modelName \("fraud scoring!"\) must match/);
  });

  test('a model of the registry spelled in another case is promoted under the registry\'s spelling', () => {
    const p = promote({ modelName: 'Fraud-Scoring' })();
    expect(p.modelPackageGroupName).toBe(MODEL);
  });

  test('an imported registry accepts any valid model name', () => {
    const f = promotionFixture();
    const registry = ModelRegistry.fromModelRegistryAttributes(f.stack, 'Imported', {
      artifactBucketName: 'registry-artifacts',
      encryptionKeyArn: `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    const p = new ModelPromotion(f.stack, 'Promotion', promotionProps(f, { registry, modelName: 'credit-risk' }));
    expect(p.modelPackageGroupName).toBe('credit-risk');
  });

  test('a pipeline in another account than the registry is an error: approval events stay in the registry\'s account', () => {
    const f = promotionFixture();
    const registry = ModelRegistry.fromModelRegistryAttributes(f.stack, 'Imported', {
      artifactBucketName: 'registry-artifacts',
      encryptionKeyArn: `arn:aws:kms:${REGION}:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    expect(() => new ModelPromotion(f.stack, 'Promotion', promotionProps(f, { registry })))
      .toThrow(/the pipeline's account \(111111111111\) differs from the registry's \(333333333333\)/);
  });
});

describe('the stacks', () => {
  test.each([
    ['staging.stackName', { staging: { ...STAGING, stackName: '1-staging' } }, /staging\.stackName \("1-staging"\) must be 1 to 128 letters/],
    ['production.stackName', { production: { ...PROD, stackName: 'fraud_prod' } }, /production\.stackName \("fraud_prod"\)/],
    ['staging.endpointName', { staging: { ...STAGING, endpointName: 'fraud.staging' } }, /staging\.endpointName \("fraud\.staging"\) must be 1 to 63/],
    ['production.endpointName', { production: { ...PROD, endpointName: '-prod' } }, /production\.endpointName \("-prod"\)/],
    ['staging.templateFile', { staging: { ...STAGING, templateFile: '../x.json' } }, /staging\.templateFile \("\.\.\/x\.json"\) must be a path inside the templates archive/],
    ['production.templateFile', { production: { ...PROD, templateFile: '/abs.json' } }, /production\.templateFile \("\/abs\.json"\)/],
  ])('a bad %s is an error', (_, overrides, message) => {
    expect(promote(overrides as Partial<ModelPromotionProps>)).toThrow(message);
  });

  test('staging and production as one stack of one account is an error', () => {
    expect(promote({ production: { ...PROD, stackName: 'FraudStaging' } })).toThrow(/staging\.stackName and production\.stackName are both "FraudStaging"/);
  });

  test('every problem is reported at once', () => {
    expect(promote({ staging: { ...STAGING, stackName: '1x', endpointName: 'a.b' }, pipelineName: 'a b' }))
      .toThrow(/invalid ModelPromotion props:\n {2}- staging\.stackName.*\n {2}- staging\.endpointName.*\n {2}- pipelineName/s);
  });
});

describe('other props', () => {
  test('a parameter name CloudFormation would not accept is an error', () => {
    expect(promote({ parameterName: 'model-package-arn' })).toThrow(/parameterName \("model-package-arn"\) must be 1 to 255 letters and digits/);
  });

  test('a bad pipeline name is an error', () => {
    expect(promote({ pipelineName: 'fraud promotion' })).toThrow(/pipelineName \("fraud promotion"\) must be 1 to 100/);
  });

  test('an empty smoke-test payload is an error', () => {
    expect(promote({ smokeTest: { payload: '' } })).toThrow(/smokeTest\.payload is empty/);
  });

  test('approvalTopic with approvalEmails is an error', () => {
    const f = promotionFixture();
    const topic = new sns.Topic(f.stack, 'Topic');
    expect(() => new ModelPromotion(f.stack, 'Promotion', promotionProps(f, { approvalTopic: topic, approvalEmails: ['a@example.com'] })))
      .toThrow(/approvalTopic and approvalEmails cannot be combined/);
  });
});

describe('a production in another account', () => {
  test('without the production roles is an error that says how to make them', () => {
    expect(promote({ production: { ...PROD, account: PROD_ACCOUNT } }))
      .toThrow(/production\.account \(222222222222\) is another account, so production\.actionRole and production\.deploymentRole are required: create them .* ModelPromotion\.productionRoles/);
  });

  test('outside the registry\'s consumer accounts is an error', () => {
    expect(promote({ production: { ...PROD, account: PROD_ACCOUNT, ...prodRoles() } }, ['444444444444']))
      .toThrow(/production\.account \(222222222222\) is not one of the registry's consumerAccounts \(444444444444\)/);
  });

  test('with roles of a third account is an error', () => {
    expect(promote({ production: { ...PROD, account: PROD_ACCOUNT, ...prodRoles('555555555555') } }))
      .toThrow(/production\.actionRole \(Prod\/Action\) is in account 555555555555, not in production\.account \(222222222222\)/);
  });

  test('a production account that is not an account ID is an error', () => {
    expect(promote({ production: { ...PROD, account: 'prod' } })).toThrow(/production\.account \("prod"\) must be a 12-digit AWS account ID/);
  });

  test('needs an explicit account on the pipeline\'s stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    const registry = new ModelRegistry(stack, 'Registry', { models: [{ name: MODEL }], consumerAccounts: [PROD_ACCOUNT] });
    expect(() => new ModelPromotion(stack, 'Promotion', {
      registry,
      modelName: MODEL,
      staging: STAGING,
      smokeTest: { payload: '{}' },
      production: { ...PROD, account: PROD_ACCOUNT, ...prodRoles() },
    })).toThrow(/production\.account \(222222222222\) needs the pipeline's stack to have an explicit env\.account/);
  });

  test('an action role for a same-account production is an error', () => {
    expect(promote({ production: { ...PROD, actionRole: prodRoles(PIPELINE_ACCOUNT).actionRole } }))
      .toThrow(/production\.actionRole is for a production in another account; drop it/);
  });

  test('with an imported registry warns that the consumer accounts cannot be checked', () => {
    const f = promotionFixture();
    const registry = ModelRegistry.fromModelRegistryAttributes(f.stack, 'Imported', {
      artifactBucketName: 'registry-artifacts',
      encryptionKeyArn: `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    const prod = new Stack(f.app, 'Prod', { env: { account: PROD_ACCOUNT, region: REGION } });
    const roles = ModelPromotion.productionRoles(prod, 'Roles', { pipelineAccount: PIPELINE_ACCOUNT, registry, modelName: MODEL, stackName: 'FraudProd', endpointName: 'fraud-prod' });
    new ModelPromotion(f.stack, 'Promotion', promotionProps(f, { registry, production: { ...PROD, account: PROD_ACCOUNT, ...roles } }));
    Annotations.fromStack(f.stack).hasWarning('/Pipelines/Promotion', Match.stringLikeRegexp('cannot be checked'));
  });
});

describe('productionRoles', () => {
  test.each([
    ['pipelineAccount', { pipelineAccount: '1111' }, /pipelineAccount \("1111"\) must be a 12-digit AWS account ID/],
    ['stackName', { stackName: 'prod stack' }, /stackName \("prod stack"\)/],
    ['endpointName', { endpointName: 'a_b' }, /endpointName \("a_b"\)/],
    ['modelName', { modelName: 'x--y' }, /modelName \("x--y"\) must not contain consecutive hyphens/],
  ])('a bad %s is an error', (_, overrides, message) => {
    const app = new App();
    const stack = new Stack(app, 'Prod', { env: { account: PROD_ACCOUNT, region: REGION } });
    const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', {
      artifactBucketName: 'registry-artifacts',
      encryptionKeyArn: `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    });
    expect(() => ModelPromotion.productionRoles(stack, 'Roles', {
      pipelineAccount: PIPELINE_ACCOUNT, registry, modelName: MODEL, stackName: 'FraudProd', endpointName: 'fraud-prod', ...overrides,
    })).toThrow(message);
  });
});
