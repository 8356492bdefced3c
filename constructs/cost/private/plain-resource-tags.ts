import { CfnResource, type IAspect, TagManager, TagType, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Taggable resource types that aws-cdk-lib itself creates as a plain `CfnResource`, with the format of their
 * `Tags` property (`MAP`: `{ key: value }`; `KEY_VALUE`: `[{ Key, Value }]`). A plain `CfnResource` has no tag manager, so `Tags.of(scope).add()` passes it by: the
 * kubectl barrier parameter of an `aws-eks` or `aws-eks-v2` cluster (`<cluster>/KubectlReadyBarrier`), and the
 * handler function and role of a `CustomResourceProvider` (e.g. `autoDeleteObjects` on a bucket).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html#cfn-ssm-parameter-tags
 */
const PLAIN_TAGGABLE_TYPES: Readonly<Record<string, TagType>> = {
  'AWS::SSM::Parameter': TagType.MAP,
  'AWS::Lambda::Function': TagType.KEY_VALUE,
  'AWS::IAM::Role': TagType.KEY_VALUE,
};

/**
 * Gives each plain `CfnResource` of a type in {@link PLAIN_TAGGABLE_TYPES} a tag manager for its `Tags` property, so tag aspects reach it like any L1 resource and the missing-tag check sees its tags. Runs
 * before tag aspects (lower priority value). Tags the resource already has are kept, at lower priority than
 * tags from aspects, as an L1 resource keeps the tags given in its props.
 */
export class PlainResourceTagging implements IAspect {
  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || TagManager.isTaggable(node) || TagManager.isTaggableV2(node)) {
      return;
    }
    const tagType = PLAIN_TAGGABLE_TYPES[node.cfnResourceType];
    if (tagType === undefined) {
      return;
    }
    // A plain CfnResource keeps the properties it was given here; they are not public API, but they are what
    // CloudFormation receives, so they are the tags to keep.
    const properties = (node as unknown as { readonly _cfnProperties?: Record<string, unknown> })._cfnProperties;
    const initial = initialTags(properties?.Tags, tagType);
    if (initial === null) {
      // Tags built from tokens or intrinsics: leave the resource as its author wrote it.
      return;
    }
    // CfnResource renders the tags of its tag manager into the property the manager names, for plain resources
    // as for L1 ones; only the manager is missing.
    const tags = new TagManager(tagType, node.cfnResourceType, initial, { tagPropertyName: 'Tags' });
    Object.defineProperty(node, 'tags', { value: tags, enumerable: false });
  }
}

/**
 * The `Tags` property of a plain resource as a tag manager's initial tags (a map, for both formats): `undefined`
 * for none, `null` when they are not plain strings (a token, an intrinsic function).
 */
function initialTags(cfnTags: unknown, tagType: TagType): Record<string, string> | undefined | null {
  if (cfnTags === undefined) {
    return undefined;
  }
  const plain = (v: unknown): v is string => typeof v === 'string' && !Token.isUnresolved(v);
  let entries: [unknown, unknown][] | undefined;
  if (tagType === TagType.MAP && cfnTags && typeof cfnTags === 'object' && !Array.isArray(cfnTags)) {
    entries = Object.entries(cfnTags);
  } else if (tagType === TagType.KEY_VALUE && Array.isArray(cfnTags)) {
    entries = cfnTags.map(t => [t?.Key, t?.Value]);
  }
  return entries?.every(([k, v]) => plain(k) && plain(v)) ? Object.fromEntries(entries) : null;
}
