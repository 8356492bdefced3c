import { Stack } from 'aws-cdk-lib';
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
    if (v['Fn::Join'] !== undefined) {
      return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
    }
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(value));
}

