import { App, type Environment, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CostAttribution, ModelEndpoint, type ModelEndpointProps, ModelRegistry, ModelSource } from '../../../constructs';

export const TAGS = { 'team': 'ml-platform', 'project': 'recsys', 'cost-center': 'cc-4200', 'environment': 'prod' };
export const MODEL = 'fraud-scoring';

export interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly registry: ModelRegistry;
  readonly vpc: ec2.Vpc;
}

/** A stack with cost attribution, a registry holding MODEL (owned by team fraud) and a VPC. */
export function fixture(app = new App({ builtinCloudFormationValidation: false }), env?: Environment): Fixture {
  CostAttribution.apply(app, { tags: TAGS });
  const stack = new Stack(app, 'S', { env });
  const registry = new ModelRegistry(stack, 'Registry', { models: [{ name: MODEL, team: 'fraud' }, { name: 'churn' }] });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { app, stack, registry, vpc };
}

/** An endpoint of MODEL in the fixture, with `props` overriding the defaults. */
export function endpoint(f: Fixture, props: Partial<ModelEndpointProps> = {}, id = 'Endpoint'): ModelEndpoint {
  return new ModelEndpoint(f.stack, id, {
    registry: f.registry,
    model: f.registry.model(MODEL),
    source: ModelSource.imageTag('1.4.0', { artifactsKey: '1.4.0/model.tar.gz' }),
    vpc: f.vpc,
    ...props,
  });
}
