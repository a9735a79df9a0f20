#!/usr/bin/env bash
# The main job: set up the stack, then train and evaluate each family's demo config on
# the embedded demo data, printing each family's metrics and where results went.
#   bash tools/run_demo.sh [family ...]      (default: every family, imrecog objrecog imseg ssimrecog)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash tools/install.sh
PY=${ZOO_VENV:-$REPO/.venv}/bin/python
# each family declares its demo configs (custom_modules/<family>/family.toml)
if [ $# -gt 0 ]; then FAMILIES=("$@"); else mapfile -t FAMILIES < <("$PY" -m custom_modules.families); fi
"$PY" -m custom_modules.families demo-configs "${FAMILIES[@]}" > /dev/null  # unknown ones: one line
WORK_DIRS=()
for family in "${FAMILIES[@]}"; do
  for config in $("$PY" -m custom_modules.families demo-configs "$family"); do
    name=$(basename "$config" .py)
    work_dir=work_dirs/$name
    echo "=== $family: training $config"
    "$PY" tools/train.py "$config" --work-dir "$work_dir"
    checkpoint=$(cat "$work_dir/last_checkpoint")
    echo "=== $family: testing $checkpoint"
    "$PY" tools/test.py "$config" "$checkpoint" --work-dir "$work_dir" \
        --show-dir "$work_dir/pictures" | tee "$work_dir/test_output.txt"
    WORK_DIRS+=("$work_dir")
  done
done
echo
echo "=== summary (each run's summary.md and test_metrics.json)"
"$PY" - "${WORK_DIRS[@]}" <<'PYTHON'
import json, os.path as osp, sys
print('| config | trained | test metrics | run summary |')
print('|---|---|---|---|')
for work_dir in sys.argv[1:]:
    summary = json.load(open(osp.join(work_dir, 'summary.json')))
    tested = json.load(open(osp.join(work_dir, 'test_metrics.json')))
    metrics = ', '.join(f'{k} = {v:.4g}' for k, v in tested.items()
                        if isinstance(v, (int, float)) and k.count('/') <= 1)
    print(f'| {osp.basename(summary["config"])} | {summary["trained"]["seconds"]:.0f} s | '
          f'{metrics} | {osp.join(work_dir, "summary.md")} |')
PYTHON
