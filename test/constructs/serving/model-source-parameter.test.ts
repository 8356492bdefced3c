import { Template } from 'aws-cdk-lib/assertions';
import { endpoint, fixture } from './fixtures';
import { ModelSource } from '../../../constructs';

test('modelPackageParameter serves the package ARN given as a stack parameter, checked by an allowed pattern', () => {
  const f = fixture();
  const source = ModelSource.modelPackageParameter(f.stack);
  endpoint(f, { source, endpointName: 'fraud-staging' });
  const t = Template.fromStack(f.stack);
  t.templateMatches({
    Parameters: {
      ModelPackageArn: {
        Type: 'String',
        AllowedPattern: 'arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[^/]+/[0-9]+',
      },
    },
  });
  t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { Ref: 'ModelPackageArn' } } });
  expect(source.parameterName).toBe('ModelPackageArn');
});

test('the allowed pattern accepts package version ARNs and refuses others', () => {
  const f = fixture();
  ModelSource.modelPackageParameter(f.stack);
  const pattern = new RegExp(`^(?:${Template.fromStack(f.stack).toJSON().Parameters.ModelPackageArn.AllowedPattern})$`);
  expect(pattern.test('arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-scoring/12')).toBe(true);
  expect(pattern.test('arn:aws-cn:sagemaker:cn-north-1:111122223333:model-package/fraud-scoring/1')).toBe(true);
  expect(pattern.test('arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/fraud-scoring')).toBe(false);
  expect(pattern.test('arn:aws:sagemaker:eu-west-1:111122223333:model-package/fraud-scoring/latest')).toBe(false);
});

test('endpoints of one stack share the parameter', () => {
  const f = fixture();
  const a = ModelSource.modelPackageParameter(f.stack);
  const b = ModelSource.modelPackageParameter(f.registry, 'ModelPackageArn');
  endpoint(f, { source: a }, 'A');
  endpoint(f, { source: b }, 'B');
  const t = Template.fromStack(f.stack);
  expect(Object.keys(t.toJSON().Parameters).filter(k => k === 'ModelPackageArn')).toHaveLength(1);
  t.resourcePropertiesCountIs('AWS::SageMaker::Model', { PrimaryContainer: { ModelPackageName: { Ref: 'ModelPackageArn' } } }, 2);
});

test('a custom parameter name is the parameter\'s logical ID', () => {
  const f = fixture();
  endpoint(f, { source: ModelSource.modelPackageParameter(f.stack, 'ServedPackage') });
  Template.fromStack(f.stack).hasParameter('ServedPackage', { Type: 'String' });
});

test('a parameter name that is not a logical ID is an error', () => {
  const f = fixture();
  expect(() => ModelSource.modelPackageParameter(f.stack, 'model-package')).toThrow(/parameterName \("model-package"\) must be 1 to 255 letters and digits/);
});

test('a parameter name already used by another construct of the stack is an error', () => {
  const f = fixture();
  expect(() => ModelSource.modelPackageParameter(f.stack, 'Registry')).toThrow(/parameterName \("Registry"\) is already the id of S\/Registry, which is not a parameter/);
});

test('other sources have no parameter name', () => {
  expect(ModelSource.modelPackage(3).parameterName).toBeUndefined();
});
