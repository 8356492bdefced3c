#!/usr/bin/env bash
# Regenerates what this folder holds from the upstream CRD files listed in crd-sources.json:
#   - schemas/*.json: the CRD schemas (served versions, no descriptions) the tests validate manifests against;
#   - *.ts: the typed classes `cdk8s import` writes (KServe: a typed subset, see kserve-subset.mjs).
# Both are committed and never edited by hand. Run from anywhere, given the folder of upstream CRD YAML:
#   bash constructs/k8s/imports/regenerate.sh <upstream-crd-folder> [out-folder]
# The tests, which have no upstream files, check the committed classes against the committed schemas instead:
#   bash constructs/k8s/imports/regenerate.sh --from-schemas <out-folder>
# writes the typed classes generated from schemas/*.json (identical code, no doc comments) into <out-folder>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
usage="usage: regenerate.sh <upstream-crd-folder> [out-folder] | regenerate.sh --from-schemas <out-folder>"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CDK8S_CHECK_UPGRADE=false
cdk8s="$root/node_modules/.bin/cdk8s"

if [ "${1:-}" = "--from-schemas" ]; then
  [ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
  out="$2"
  crds="$work/crds"
  node "$here/crd-schemas.mjs" --to-crds "$here/schemas" "$crds"
  kserve="$crds/serving.kserve.io_inferenceservices.yaml"   # the schema is the subset already
else
  [ $# -ge 1 ] && [ $# -le 2 ] || { echo "$usage" >&2; exit 2; }
  crds="$1"
  out="${2:-$here}"
  if [ ! -d "$crds" ]; then
    echo "regenerate: CRD folder not found at $crds" >&2
    exit 1
  fi
  node "$here/crd-schemas.mjs" "$crds" "$out/schemas"
  kserve="$work/kserve.yaml"
  node "$here/kserve-subset.mjs" "$crds/serving.kserve.io_inferenceservices.yaml" "$kserve"
fi
mkdir -p "$out"

# One import per API group: cdk8s writes one file per group and reads only the first path it is given, so
# the four Kueue CRDs are joined into one multi-document file first.
"$cdk8s" import "karpenter:=$crds/karpenter.sh_nodepools.yaml" --language typescript --output "$out"
"$cdk8s" import "karpenter:=$crds/karpenter.k8s.aws_ec2nodeclasses.yaml" --language typescript --output "$out"
for f in resourceflavors clusterqueues localqueues workloadpriorityclasses; do
  cat "$crds/kueue.x-k8s.io_$f.yaml"
  printf -- '\n---\n'
done > "$work/kueue.yaml"
"$cdk8s" import "kueue:=$work/kueue.yaml" --language typescript --output "$out"
"$cdk8s" import "kserve:=$kserve" --language typescript --output "$out"
