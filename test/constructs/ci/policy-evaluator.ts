/**
 * A small IAM policy evaluator over synthesized templates: enough of IAM's rules to say whether a policy allows
 * one request, so tests can check the effect of a trust or permissions policy (which token may assume the role,
 * which role it may assume) instead of its shape alone.
 *
 * What it implements: Allow and Deny statements (an explicit Deny wins, nothing allowed means denied), `Action`
 * and `Resource` with `*` and `?` wildcards, `Principal.Federated`, and the condition operators `StringEquals`,
 * `StringNotEquals` and `StringLike` (several keys: all must match; several values: any may match; a key the
 * request lacks does not match). Anything else in a policy throws rather than being ignored, so an unsupported
 * element can never read as "allowed".
 */

/** Values of the deploy-time references in a template, to turn intrinsic functions into strings. */
export interface Deployment {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** Values of `Ref`s to resources of the template, by logical ID. */
  readonly refs?: Record<string, string>;
}

/** One request to evaluate. */
export interface PolicyRequest {
  readonly action: string;
  /** The resource ARN (identity policies). */
  readonly resource?: string;
  /** The federated principal making the request (trust policies): the OIDC provider ARN. */
  readonly federated?: string;
  /** The request context: condition key → value. */
  readonly context?: Record<string, string>;
}

/** Whether `document` (a synthesized policy document) allows `request`. */
export function allows(document: any, request: PolicyRequest, deployment: Deployment): boolean {
  const known = new Set(['Version', 'Statement']);
  for (const key of Object.keys(document)) {
    if (!known.has(key)) {
      throw new Error(`policy element ${key} is not supported by this evaluator`);
    }
  }
  const statements: any[] = [document.Statement].flat();
  const matching = statements.filter(s => statementMatches(s, request, deployment));
  if (matching.some(s => s.Effect === 'Deny')) {
    return false;
  }
  return matching.some(s => s.Effect === 'Allow');
}

function statementMatches(statement: any, request: PolicyRequest, deployment: Deployment): boolean {
  const known = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Principal', 'Condition']);
  for (const key of Object.keys(statement)) {
    if (!known.has(key)) {
      throw new Error(`statement element ${key} is not supported by this evaluator`);
    }
  }
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new Error(`statement Effect ${JSON.stringify(statement.Effect)} is neither Allow nor Deny`);
  }
  const actions = [statement.Action].flat().map(a => render(a, deployment));
  // Action names are case-insensitive in IAM.
  if (!actions.some(a => glob(a.toLowerCase(), request.action.toLowerCase()))) {
    return false;
  }
  if (statement.Resource !== undefined) {
    if (request.resource === undefined) {
      return false;
    }
    const resources = [statement.Resource].flat().map(r => render(r, deployment));
    if (!resources.some(r => glob(r, request.resource!))) {
      return false;
    }
  }
  if (statement.Principal !== undefined) {
    const principals = Object.keys(statement.Principal);
    if (principals.some(p => p !== 'Federated')) {
      throw new Error(`principal types ${principals.join(', ')}: only Federated is supported by this evaluator`);
    }
    const federated = [statement.Principal.Federated].flat().map(f => render(f, deployment));
    if (request.federated === undefined || !federated.includes(request.federated)) {
      return false;
    }
  }
  return conditionsMatch(statement.Condition ?? {}, request.context ?? {}, deployment);
}

function conditionsMatch(condition: Record<string, Record<string, unknown>>, context: Record<string, string>, deployment: Deployment): boolean {
  return Object.entries(condition).every(([operator, keys]) => Object.entries(keys).every(([key, expected]) => {
    // Condition keys are case-insensitive; their values are not (for these operators).
    const entry = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
    const values = [expected].flat().map(v => render(v, deployment));
    if (entry === undefined) {
      // A missing key matches no positive operator; for a negated one IAM evaluates to true.
      if (operator === 'StringNotEquals') {
        return true;
      }
      return false;
    }
    const actual = entry[1];
    switch (operator) {
      case 'StringEquals':
        return values.includes(actual);
      case 'StringNotEquals':
        return !values.includes(actual);
      case 'StringLike':
        return values.some(v => glob(v, actual));
      default:
        throw new Error(`condition operator ${operator} is not supported by this evaluator`);
    }
  }));
}

/** IAM's wildcard match: `*` any run of characters, `?` one character, everything else literal. */
export function glob(pattern: string, value: string): boolean {
  const regex = pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/** A template value as the string CloudFormation would deploy. */
export function render(value: any, deployment: Deployment): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value?.Ref !== undefined) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': deployment.partition,
      'AWS::AccountId': deployment.accountId,
      'AWS::Region': deployment.region,
      'AWS::URLSuffix': deployment.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    };
    const resolved = pseudo[value.Ref] ?? deployment.refs?.[value.Ref];
    if (resolved === undefined) {
      throw new Error(`no value for Ref ${value.Ref}: pass it in refs`);
    }
    return resolved;
  }
  if (value?.['Fn::Join'] !== undefined) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((p: any) => render(p, deployment)).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
