import { isResolved } from '../../private/tokens';

// GitHub account and organization names: letters, digits and hyphens, at most 39 characters, not starting with a
// hyphen. (New accounts also may not end with one nor have two in a row; some old ones do, so that is not checked.)
const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
// Repository names: letters, digits, '.', '-' and '_', at most 100 characters.
const REPOSITORY_NAME = /^[A-Za-z0-9._-]{1,100}$/;
// The CDK bootstrap template's rule for its Qualifier parameter: the image-publishing role name
// (`cdk-<qualifier>-image-publishing-role-<account>-<region>`) must fit in IAM's 64 characters.
const QUALIFIER = /^[A-Za-z0-9_-]{1,10}$/;
const ACCOUNT_ID = /^\d{12}$/;
// us-east-1, eu-central-2, ap-southeast-5, us-gov-west-1, cn-northwest-1, ...
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// IAM role names.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Characters git refuses in a ref name (git check-ref-format), besides control characters. */
const REF_FORBIDDEN = /[\s~^:?*[\\]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const quote = (value: unknown) => JSON.stringify(value);

/** `owner/name`, as GitHub spells it in the `sub` claim. */
export function repositoryProblems(repository: string | undefined): string[] {
  if (repository === undefined || repository === '') {
    return ['repository is required: the GitHub repository whose workflows may assume the role, as "owner/name"'];
  }
  if (!isResolved(repository)) {
    return [];
  }
  const parts = repository.split('/');
  const [owner, name] = parts;
  const wrong = parts.length !== 2 || !OWNER.test(owner) || !REPOSITORY_NAME.test(name) || name === '.' || name === '..';
  if (wrong) {
    return [`repository (${quote(repository)}) must be "owner/name": an owner of letters, digits and hyphens (at most 39, ` +
      'not starting with a hyphen) and a name of letters, digits, ".", "-" and "_" (at most 100), e.g. "octo-org/octo-repo"; ' +
      'not a URL'];
  }
  if (name.toLowerCase().endsWith('.git')) {
    return [`repository (${quote(repository)}) must name the repository without ".git": "${owner}/${name.slice(0, -4)}"`];
  }
  return [];
}

/** A branch name git accepts (`git check-ref-format --branch`), given without `refs/heads/`. */
export function branchProblems(branches: readonly string[]): string[] {
  const problems: string[] = [];
  branches.forEach((branch, i) => {
    if (!isResolved(branch)) {
      return;
    }
    const what = `branches[${i}] (${quote(branch)})`;
    if (branch.startsWith('refs/')) {
      problems.push(`${what} must be a branch name without "refs/heads/", e.g. "main"`);
      return;
    }
    if (/[*?]/.test(branch)) {
      problems.push(`${what} must be one branch: wildcards are not supported (the subject is matched exactly); list each branch`);
      return;
    }
    const parts = branch.split('/');
    const invalid = branch === '' || branch === '@' || REF_FORBIDDEN.test(branch) || CONTROL.test(branch) ||
      branch.includes('..') || branch.includes('@{') || branch.startsWith('-') || branch.endsWith('.') ||
      parts.some(p => p === '' || p.startsWith('.') || p.endsWith('.lock'));
    if (invalid) {
      problems.push(`${what} must be a branch name git accepts: no spaces, control characters or any of ~ ^ : ? * [ \\, ` +
        'no "..", "@{" or "//", not starting with "-" or "/", not ending with "." or "/", and no part starting with "." ' +
        'or ending with ".lock"');
    }
  });
  return problems.concat(duplicates('branches', branches));
}

/** A GitHub deployment environment name, matched exactly. */
export function environmentProblems(environments: readonly string[]): string[] {
  const problems: string[] = [];
  environments.forEach((environment, i) => {
    if (!isResolved(environment)) {
      return;
    }
    const what = `environments[${i}] (${quote(environment)})`;
    if (/[*?]/.test(environment)) {
      problems.push(`${what} must be one environment: wildcards are not supported (the subject is matched exactly); list each environment`);
    } else if (environment.length === 0 || environment.length > 255 || CONTROL.test(environment) || environment.trim() !== environment) {
      problems.push(`${what} must be a GitHub environment name: 1 to 255 characters, no control characters, no leading or trailing spaces`);
    }
  });
  return problems.concat(duplicates('environments', environments));
}

/** The bootstrap qualifier, by the CDK bootstrap template's own rule. */
export function qualifierProblems(qualifier: string): string[] {
  if (!isResolved(qualifier) || QUALIFIER.test(qualifier)) {
    return [];
  }
  return [`qualifier (${quote(qualifier)}) must be 1 to 10 letters, digits, "_" or "-", as "cdk bootstrap --qualifier" requires ` +
    '(the default is "hnb659fds")'];
}

export function accountProblems(accounts: readonly string[]): string[] {
  const problems: string[] = [];
  accounts.forEach((account, i) => {
    if (isResolved(account) && !ACCOUNT_ID.test(account)) {
      problems.push(`targetAccounts[${i}] (${quote(account)}) must be a 12-digit AWS account ID, e.g. "111122223333"`);
    }
  });
  return problems.concat(duplicates('targetAccounts', accounts));
}

export function regionProblems(regions: readonly string[]): string[] {
  const problems: string[] = [];
  regions.forEach((region, i) => {
    if (isResolved(region) && !REGION.test(region)) {
      problems.push(`targetRegions[${i}] (${quote(region)}) must be an AWS region code, e.g. "eu-west-1"`);
    }
  });
  return problems.concat(duplicates('targetRegions', regions));
}

export function roleNameProblems(roleName: string | undefined): string[] {
  if (roleName === undefined || !isResolved(roleName) || ROLE_NAME.test(roleName)) {
    return [];
  }
  return [`roleName (${quote(roleName)}) must be 1 to 64 letters, digits or any of + = , . @ _ -`];
}

function duplicates(what: string, values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    if (isResolved(value) && seen.has(value)) {
      out.push(`${what} lists ${quote(value)} twice; list each once`);
    }
    seen.add(value);
  }
  return out;
}
