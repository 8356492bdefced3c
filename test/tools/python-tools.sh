#!/usr/bin/env bash
# Creates .venv at the project root and installs the pinned Python validators (cfn-lint, moto's server).
# Idempotent and quick when nothing changed: it reinstalls only when requirements.txt changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
req="$root/test/tools/requirements.txt"
venv="$root/.venv"
stamp="$venv/.requirements.sha256"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-tools: '$python' was not found on PATH; cfn-lint, moto and the Kubernetes schemas need Python 3.9 or newer." >&2
  echo "Install it (Debian/Ubuntu: 'apt-get install python3 python3-venv'; macOS: 'brew install python')," >&2
  echo "or point PYTHON at an interpreter, then run 'npm test' again." >&2
  exit 1
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -x "$venv/bin/cfn-lint" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
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
echo "$want" > "$stamp"
