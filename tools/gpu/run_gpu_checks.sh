#!/usr/bin/env bash
# The GPU check, inside a fixed time budget, with a short report: see tools/gpu/gpu_checks.py.
#   bash tools/gpu/run_gpu_checks.sh [--out DIR] [--budget 480] [--python python3]
#       [--cpu-dry-run] [--skip-install] [--wheels .whl]
# On a GPU machine without network access, first run tools/gpu/fetch_wheels.sh where there
# is network, and bring .whl/ along.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." && exec python3 tools/gpu/gpu_checks.py "$@"
