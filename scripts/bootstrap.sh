#!/usr/bin/env bash
# Creates .venv and installs the pinned requirements when they changed.
#   scripts/bootstrap.sh          runtime only (make run)
#   scripts/bootstrap.sh dev      runtime + tests and linters (make test)
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-runtime}
req=requirements.txt
[[ $kind == dev ]] && req=requirements-dev.txt

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "Intreccio needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating the virtual environment in .venv"
  "$python" -m venv .venv
fi

stamp=.venv/.installed-$kind
want=$(cat requirements*.txt | sha256sum | cut -c1-16)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "==> installing $req"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
