# Sourced by the launchers (dist_train.sh, dist_test.sh, slurm_train.sh): sets PYTHON to
# $PYTHON if given, else the active venv's interpreter, else the repository's .venv, else
# python3 (never a bare `python`, which may be Python 2 or missing).
_zoo_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${PYTHON:-}" ]; then
    for _candidate in "${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/python}" "$_zoo_repo/.venv/bin/python"; do
        if [ -n "$_candidate" ] && [ -x "$_candidate" ]; then
            PYTHON=$_candidate
            break
        fi
    done
    PYTHON=${PYTHON:-python3}
fi
