import { App, Stack } from 'aws-cdk-lib';
import { CostAttribution, ModelPromotion, type ModelPromotionProps, ModelRegistry } from '../../../constructs';

export const TAGS = { 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod' };
export const MODEL = 'fraud-scoring';
export const PIPELINE_ACCOUNT = '111111111111';
export const PROD_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';

export interface PromotionFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly registry: ModelRegistry;
}

/** A pipeline-account stack with cost attribution and a registry holding MODEL (owned by team fraud). */
export function promotionFixture(
  app = new App({ builtinCloudFormationValidation: false }), consumerAccounts: string[] = [PROD_ACCOUNT],
): PromotionFixture {
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'Pipelines', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
  const registry = new ModelRegistry(stack, 'Registry', { models: [{ name: MODEL }, { name: 'churn' }], consumerAccounts });
  CostAttribution.apply(registry.model(MODEL).repository.node.scope!, { tags: { team: 'fraud' } });
  return { app, stack, registry };
}

/** Props of a same-account promotion of MODEL, with `overrides` on top. */
export function promotionProps(f: PromotionFixture, overrides: Partial<ModelPromotionProps> = {}): ModelPromotionProps {
  return {
    registry: f.registry,
    modelName: MODEL,
    staging: { stackName: 'FraudStaging', templateFile: 'FraudStaging.template.json', endpointName: 'fraud-staging' },
    production: { stackName: 'FraudProd', templateFile: 'FraudProd.template.json', endpointName: 'fraud-prod' },
    smokeTest: { payload: '{"instances": [[0.1, 3, 7]]}' },
    ...overrides,
  };
}

/** A promotion whose production is in PROD_ACCOUNT, with its roles in a stack of that account. */
export function crossAccountPromotion(
  f: PromotionFixture, overrides: Partial<ModelPromotionProps> = {},
): { promotion: ModelPromotion; prodStack: Stack } {
  const prodStack = new Stack(f.app, 'ProdRoles', { env: { account: PROD_ACCOUNT, region: REGION } });
  const registry = ModelRegistry.fromModelRegistryAttributes(prodStack, 'Registry', {
    artifactBucketName: 'fraud-registry-artifacts',
    encryptionKeyArn: `arn:aws:kms:${REGION}:${PIPELINE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  });
  const roles = ModelPromotion.productionRoles(prodStack, 'PromotionRoles', {
    pipelineAccount: PIPELINE_ACCOUNT, registry, modelName: MODEL, stackName: 'FraudProd', endpointName: 'fraud-prod',
  });
  const base = promotionProps(f);
  const promotion = new ModelPromotion(f.stack, 'Promotion', {
    ...base,
    production: { ...base.production, account: PROD_ACCOUNT, actionRole: roles.actionRole, deploymentRole: roles.deploymentRole },
    ...overrides,
  });
  return { promotion, prodStack };
}
