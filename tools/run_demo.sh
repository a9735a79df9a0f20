#!/usr/bin/env bash
# The main job: set up the stack, then train and evaluate each family's demo config on
# the embedded demo data, printing each family's metrics and where results went.
#   bash tools/run_demo.sh [family ...]      (default: imrecog objrecog imseg ssimrecog)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
if [ $# -gt 0 ]; then FAMILIES=("$@"); else FAMILIES=(imrecog objrecog imseg ssimrecog); fi
demo_configs() {
    case $1 in
        imrecog) echo configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py ;;
        objrecog) echo configs/objrecog/retinanet_r18-fpn_1xb8-12e_demo-people-128.py ;;
        imseg) echo configs/imseg/unet-4l_1xb8-15e_demo-shoreline-64.py ;;
        ssimrecog) echo "configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py" \
            configs/ssimrecog/npairs_course-embed8_1xb8-1000it_demo-textures.py ;;
        *) echo "error: unknown family $1; choose from imrecog objrecog imseg ssimrecog" >&2
           exit 2 ;;
    esac
}
for family in "${FAMILIES[@]}"; do demo_configs "$family" > /dev/null; done
bash tools/install.sh
PY=${ZOO_VENV:-$REPO/.venv}/bin/python
WORK_DIRS=()
for family in "${FAMILIES[@]}"; do
  for config in $(demo_configs "$family"); do
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
