#!/usr/bin/env bash
# Lint as OpenMMLab projects do (settings in setup.cfg): flake8, isort, yapf, codespell.
#   bash tools/lint.sh          check (CI runs this before the tests)
#   bash tools/lint.sh --fix    sort the imports and format the code in place
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
BIN=${ZOO_VENV:-$REPO/.venv}/bin
mapfile -t PY_FILES < <(git ls-files '*.py')
mapfile -t ALL_FILES < <(git ls-files)
status=0
if [ "${1:-}" = --fix ]; then
    "$BIN/isort" -q "${PY_FILES[@]}"
    "$BIN/yapf" -i "${PY_FILES[@]}"
fi
"$BIN/flake8" "${PY_FILES[@]}" || status=1
"$BIN/isort" --check-only -q "${PY_FILES[@]}" || { echo "isort: run bash tools/lint.sh --fix"; status=1; }
if ! "$BIN/yapf" --diff "${PY_FILES[@]}" > /dev/null; then
    echo "yapf: formatting differs; run bash tools/lint.sh --fix"
    status=1
fi
"$BIN/codespell" "${ALL_FILES[@]}" || status=1
[ "$status" = 0 ] && echo "lint: clean"
exit "$status"
