/**
 * Source of the custom resource handler that activates cost allocation tags, deployed inline
 * (`lambda.Code.fromInline`): it needs nothing beyond the AWS SDK v3 that the Lambda Node.js runtimes ship, so
 * there is nothing to bundle. Tests run this very text against aws-sdk-client-mock.
 *
 * `UpdateCostAllocationTagsStatus` reports a tag it cannot activate in `Errors` with HTTP 200 instead of
 * throwing, so the handler fails on a non-empty `Errors` itself: a deploy must not pass while the tags that
 * Cost Explorer and budgets group by stay inactive. Deleting the resource leaves the tags active, since reports
 * outside this stack may group by them.
 *
 * @see https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_UpdateCostAllocationTagsStatus.html
 */
export const ACTIVATE_TAGS_HANDLER = `'use strict';
const { CostExplorerClient, UpdateCostAllocationTagsStatusCommand } = require('@aws-sdk/client-cost-explorer');

const BATCH = 20;
const NOT_PAYER = ['AccessDeniedException', 'UnauthorizedException', 'AccessDenied'];

exports.handler = async (event) => {
  const keys = (event.ResourceProperties && event.ResourceProperties.TagKeys) || [];
  const physicalId = 'cost-allocation-tags';
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId || physicalId };
  }
  const client = new CostExplorerClient({ region: process.env.COST_EXPLORER_REGION || 'us-east-1' });
  const failed = [];
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    let out;
    try {
      out = await client.send(new UpdateCostAllocationTagsStatusCommand({
        CostAllocationTagsStatus: batch.map((TagKey) => ({ TagKey, Status: 'Active' })),
      }));
    } catch (e) {
      if (NOT_PAYER.includes(e && e.name)) {
        throw new Error('Cost allocation tags can be activated only from the management (payer) account of the ' +
          'organization, or a standalone account; this account was refused (' + e.name + ': ' + e.message + '). ' +
          'Deploy CostAllocationTags in the management account, or activate ' + batch.join(', ') + ' there.');
      }
      throw e;
    }
    for (const err of (out && out.Errors) || []) {
      failed.push(err.TagKey + ': ' + (err.Code || 'error') + (err.Message ? ' (' + err.Message + ')' : ''));
    }
  }
  if (failed.length > 0) {
    throw new Error('Cost Explorer did not activate ' + failed.length + ' cost allocation tag(s): ' + failed.join('; ') + '. ' +
      'A tag key can be activated only after resources have carried it (it can take up to 24 hours to appear), ' +
      'and only from the management (payer) account.');
  }
  return { PhysicalResourceId: physicalId, Data: { ActivatedTagKeys: keys.join(',') } };
};
`;
