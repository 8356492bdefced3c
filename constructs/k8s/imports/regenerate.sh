#!/usr/bin/env bash
# Regenerates the typed CRD classes in this folder from the upstream CRDs in ../shared/crds (beside the repo).
# Run from the repository root:  bash constructs/k8s/imports/regenerate.sh
# The generated .ts files are committed and never edited by hand. An optional argument writes them to another
# folder instead (the tests use it to check that the committed files are up to date).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
crds="${MLOPS_SHARED_CRDS:-$root/../shared/crds}"
out="${1:-$here}"
if [ ! -d "$crds" ]; then
  echo "regenerate: CRD folder not found at $crds; set MLOPS_SHARED_CRDS to the folder holding the upstream CRD YAML" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CDK8S_CHECK_UPGRADE=false
cdk8s="$root/node_modules/.bin/cdk8s"

# One import per API group: cdk8s writes one file per group and reads only the first path it is given, so
# the four Kueue CRDs are joined into one multi-document file first.
"$cdk8s" import "karpenter:=$crds/karpenter.sh_nodepools.yaml" --language typescript --output "$out"
"$cdk8s" import "karpenter:=$crds/karpenter.k8s.aws_ec2nodeclasses.yaml" --language typescript --output "$out"
for f in resourceflavors clusterqueues localqueues workloadpriorityclasses; do
  cat "$crds/kueue.x-k8s.io_$f.yaml"
  printf -- '\n---\n'
done > "$work/kueue.yaml"
"$cdk8s" import "kueue:=$work/kueue.yaml" --language typescript --output "$out"
node "$here/kserve-subset.mjs" "$crds/serving.kserve.io_inferenceservices.yaml" "$work/kserve.yaml"
"$cdk8s" import "kserve:=$work/kserve.yaml" --language typescript --output "$out"
