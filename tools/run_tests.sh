#!/usr/bin/env bash
# Set up the stack, then run the test suite. Extra arguments go to pytest.
#   bash tools/run_tests.sh [pytest args...]
# pytest's "no tests ran" (exit 5) counts as a failure here.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash tools/install.sh || exit 1
"${ZOO_VENV:-$REPO/.venv}/bin/python" -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests; that is a failure" >&2
    exit 1
fi
exit "$status"
