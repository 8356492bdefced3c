/**
 * Shell of the CodeBuild stages of a model promotion. Kept apart from the construct so that tests can run them
 * against a stand-in `aws` command: they are the part of the pipeline a synth-time assertion cannot exercise.
 */

/** Name of the file the resolve stage writes: a JSON object whose one key is the stacks' parameter name. */
export const PACKAGE_FILE = 'package.json';

/** The value of the pipeline variable that means "the newest Approved version of the group". */
export const LATEST = 'latest';

/**
 * Resolve the version to deploy and write {@link PACKAGE_FILE}. Reads `REQUESTED_PACKAGE_ARN` (the pipeline
 * variable), `GROUP_ARN`, `GROUP_NAME` (lowercase, as in package ARNs) and `PARAMETER_NAME`; exports
 * `MODEL_PACKAGE_ARN` for the pipeline. A requested version must belong to the group and be Approved now: an
 * approval that was revoked (status Rejected) does not deploy, not even on a rollback.
 */
export const RESOLVE_SCRIPT = `set -eu
if [ -z "\${REQUESTED_PACKAGE_ARN:-}" ] || [ "$REQUESTED_PACKAGE_ARN" = "${LATEST}" ]; then
  MODEL_PACKAGE_ARN=$(aws sagemaker list-model-packages --model-package-group-name "$GROUP_ARN" --model-approval-status Approved --sort-by CreationTime --sort-order Descending --max-results 1 --query 'ModelPackageSummaryList[0].ModelPackageArn' --output text)
  if [ -z "$MODEL_PACKAGE_ARN" ] || [ "$MODEL_PACKAGE_ARN" = "None" ]; then
    echo "The model package group $GROUP_NAME has no Approved version: approve one (aws sagemaker update-model-package --model-approval-status Approved) to promote it." >&2
    exit 1
  fi
else
  MODEL_PACKAGE_ARN="$REQUESTED_PACKAGE_ARN"
  case "$MODEL_PACKAGE_ARN" in
    arn:aws*:sagemaker:*:model-package/"$GROUP_NAME"/[0-9]*) ;;
    *)
      echo "ModelPackageArn ($MODEL_PACKAGE_ARN) is not a version of the model package group $GROUP_NAME: give arn:aws:sagemaker:<region>:<account>:model-package/$GROUP_NAME/<version>, or ${LATEST}." >&2
      exit 1;;
  esac
  STATUS=$(aws sagemaker describe-model-package --model-package-name "$MODEL_PACKAGE_ARN" --query ModelApprovalStatus --output text)
  if [ "$STATUS" != "Approved" ]; then
    echo "ModelPackageArn ($MODEL_PACKAGE_ARN) has the approval status $STATUS: only Approved versions are promoted; approve it first." >&2
    exit 1
  fi
fi
printf '{"%s": "%s"}\\n' "$PARAMETER_NAME" "$MODEL_PACKAGE_ARN" > ${PACKAGE_FILE}
echo "Promoting $MODEL_PACKAGE_ARN"
export MODEL_PACKAGE_ARN`;

/**
 * Invoke the staging endpoint once with the sample payload (`SMOKE_PAYLOAD_B64`, base64 so that any bytes
 * survive the build environment); `invoke-endpoint` exits non-zero on a model or service error, which fails the
 * stage before the manual approval.
 */
export const SMOKE_TEST_SCRIPT = `set -eu
printf '%s' "$SMOKE_PAYLOAD_B64" | base64 -d > payload.bin
aws sagemaker-runtime invoke-endpoint --endpoint-name "$ENDPOINT_NAME" --content-type "$CONTENT_TYPE" --accept "$ACCEPT" --body fileb://payload.bin response.out
echo "Response of $ENDPOINT_NAME:"
head -c 4096 response.out`;
