/**
 * `fraud-scoring` → `FraudScoring`: a configuration name as the construct id of what is made for it. Construct
 * ids are public API (they set logical IDs), so the rule never changes: split on anything that is not a letter
 * or digit, capitalize each part.
 */
export function pascalCase(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).filter(p => p.length > 0).map(p => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** `"a", "b" and "c"`, for messages that list what is allowed. */
export function quotedList(values: readonly string[]): string {
  if (values.length === 0) {
    return '(none)';
  }
  return values.map(v => `"${v}"`).join(', ');
}
