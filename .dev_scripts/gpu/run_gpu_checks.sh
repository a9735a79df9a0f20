#!/usr/bin/env bash
# The GPU check, inside a fixed time budget, with a short report: see .dev_scripts/gpu/gpu_checks.py.
#   bash .dev_scripts/gpu/run_gpu_checks.sh [--out DIR] [--budget 480] [--python python3]
#       [--cpu-dry-run] [--skip-install] [--wheels .whl]
# On a GPU machine without network access, first run .dev_scripts/gpu/fetch_wheels.sh where there
# is network, and bring .whl/ along.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec python3 .dev_scripts/gpu/gpu_checks.py "$@"
