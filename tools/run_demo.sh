#!/usr/bin/env bash
# The main job: set up the stack, then train and evaluate each family's demo config on
# the embedded demo data, printing each family's metrics and where results went.
#   bash tools/run_demo.sh [family ...]      (default: imrecog objrecog imseg)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
bash tools/install.sh
PY=${ZOO_VENV:-$REPO/.venv}/bin/python
if [ $# -gt 0 ]; then FAMILIES=("$@"); else FAMILIES=(imrecog objrecog imseg); fi
SUMMARY=()
for family in "${FAMILIES[@]}"; do
    config=$(ls configs/"$family"/*demo*.py | head -n1)
    name=$(basename "$config" .py)
    work_dir=work_dirs/$name
    echo "=== $family: training $config"
    start=$SECONDS
    "$PY" tools/train.py "$config" --work-dir "$work_dir"
    train_s=$((SECONDS - start))
    checkpoint=$(cat "$work_dir/last_checkpoint")
    echo "=== $family: testing $checkpoint"
    "$PY" tools/test.py "$config" "$checkpoint" --work-dir "$work_dir" \
        --show-dir "$work_dir/pictures" | tee "$work_dir/test_output.txt"
    SUMMARY+=("$family: trained in ${train_s}s; $("$PY" -c "
import json, sys
m = json.load(open(sys.argv[1]))
print(', '.join(f'{k} = {v:.4g}' for k, v in m.items() if isinstance(v, (int, float))))
" "$work_dir/test_metrics.json"); results in $work_dir, pictures in $work_dir/pictures")
done
echo
echo "=== summary"
printf '%s\n' "${SUMMARY[@]}"
