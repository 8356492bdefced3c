import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag prints a resource in a finding id: references as `<LogicalId>` or `<LogicalId.Attribute>`, pseudo
 * parameters as `<AWS::Region>`, joined. Acknowledgements match finding ids exactly, so they are built the same way.
 */
export function nagResource(scope: IConstruct, value: string): string {
  const render = (v: any): string => {
    if (typeof v === 'string') {
      return v;
    }
    if (v.Ref !== undefined) {
      return `<${v.Ref}>`;
    }
    if (v['Fn::GetAtt'] !== undefined) {
      return `<${v['Fn::GetAtt'].join('.')}>`;
    }
    if (v['Fn::ImportValue'] !== undefined) {
      return render(v['Fn::ImportValue']);
    }
    if (v['Fn::Join'] !== undefined) {
      return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
    }
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(value));
}


/**
 * Acknowledge cdk-nag's wildcard finding (AwsSolutions-IAM5) on `value`, a resource of `policy`. A reference to a
 * resource of another stack becomes an `Fn::ImportValue` only when the app is prepared for synthesis, after
 * every constructor has run: the finding then names the export, so the acknowledgement is made again, in the
 * same form, once the references are resolved (validation runs after that and before the tree is written).
 */
export function acknowledgeWildcard(policy: IConstruct, value: string, reason: string): void {
  const early = nagResource(policy, value);
  Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${early}]`, reason });
  policy.node.addValidation({
    validate: () => {
      const resolved = nagResource(policy, value);
      if (resolved !== early) {
        Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resolved}]`, reason });
      }
      return [];
    },
  });
}
