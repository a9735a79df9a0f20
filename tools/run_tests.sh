#!/usr/bin/env bash
# Set up the stack, then run the test suite. Extra arguments go to pytest.
#   bash tools/run_tests.sh [pytest args...]
# Two runs of pytest: every test on two workers (pytest.ini), then alone, in this process,
# the few that reinstall into the venv the others run from (marker changes_venv; the second
# run's -m and -n come after yours, so a -m of yours selects the first run only).
# pytest's "no tests ran" (exit 5) counts as a failure here when neither run ran any.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash tools/install.sh || exit 1
PY="${ZOO_VENV:-$REPO/.venv}/bin/python"
"$PY" -m pytest -m 'not changes_venv' "$@"
shared=$?
"$PY" -m pytest "$@" -m changes_venv -n 0
alone=$?
if [ "$shared" -eq 5 ] && [ "$alone" -eq 5 ]; then
    echo "error: pytest collected no tests; that is a failure" >&2
    exit 1
fi
for status in "$shared" "$alone"; do
    if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
        exit "$status"
    fi
done
exit 0
