import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A resource of a synthesized template, with the policies that decide whether CloudFormation deletes it. */
export interface StatefulResource {
  readonly Type: string;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Logical-ID pins of an example: for each stack, the logical ID and type of every resource of the pinned types. */
export interface LogicalIdPins {
  /** The resource types whose logical IDs are pinned: those whose replacement loses data or breaks clients. */
  readonly types: readonly string[];
  readonly stacks: Record<string, Record<string, string>>;
}

/** The resources of `stackName` whose type is one of `types`, by logical ID. */
export function statefulResources(stacks: readonly Stack[], stackName: string, types: readonly string[]): Record<string, StatefulResource> {
  const stack = stacks.find(s => s.stackName === stackName);
  if (stack === undefined) {
    throw new Error(`no stack named ${stackName} among ${stacks.map(s => s.stackName).join(', ')}`);
  }
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, StatefulResource>;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => types.includes(r.Type)));
}

/**
 * Declares the tests that guard an example's logical IDs: every stack is pinned, and each stack's resources of the
 * pinned types are exactly the pinned ones. A renamed construct, a moved one or a new resource of those types
 * fails them, in the open, before a deploy replaces the resource.
 */
export function testLogicalIdPins(stacks: readonly Stack[], pins: LogicalIdPins): void {
  test('every example stack is covered by the logical-ID pins', () => {
    expect(Object.keys(pins.stacks).sort()).toEqual(stacks.map(s => s.stackName).sort());
  });

  test.each(Object.keys(pins.stacks))('%s: stateful resources keep their logical IDs', stackName => {
    const ids = Object.fromEntries(Object.entries(statefulResources(stacks, stackName, pins.types)).map(([id, r]) => [id, r.Type]));
    expect(ids).toEqual(pins.stacks[stackName]);
  });
}
