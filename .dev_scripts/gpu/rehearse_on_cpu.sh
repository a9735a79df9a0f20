#!/usr/bin/env bash
# Rehearse the GPU check on a machine without a GPU, with the GPU machine's Python and
# torch: a Python 3.12 venv with torch 2.11.0 / torchvision 0.26.0 and the other packages
# of that machine's image, then .dev_scripts/gpu/run_gpu_checks.sh's own install (the wheels of
# fetch_wheels.sh; mmcv without compiled ops, or with ZOO_MMCV_OPS=cpu built against torch
# 2.11's headers) and its checks with CUDA hidden.
#   PYTHON312=/path/to/python3.12 bash .dev_scripts/gpu/rehearse_on_cpu.sh [OUT_DIR]
# Takes a few minutes on 2 cores (10 to 20 with ZOO_MMCV_OPS=cpu: the mmcv build).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_DIR=${1:-$REPO/work_dirs/gpu_rehearsal}
VENV=${REHEARSAL_VENV:-/tmp/zoo-rehearsal-py312}
cd "$REPO"
if [ ! -x "$VENV/bin/python" ]; then
    "${PYTHON312:-python3.12}" -m venv "$VENV"
fi
# torch as on the GPU machine, and the image's packages the zoo imports (not ours to carry)
"$VENV/bin/python" -m pip --disable-pip-version-check install -q torch==2.11.0 \
    torchvision==0.26.0 numpy scipy matplotlib opencv-python-headless pillow scikit-learn \
    rich regex pyyaml packaging requests tqdm tensorboard ninja six einops 2>&1 \
    | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
PYTHON="$VENV/bin/python" bash .dev_scripts/gpu/fetch_wheels.sh "$REPO/.whl"
python3 .dev_scripts/gpu/gpu_checks.py --cpu-dry-run --python "$VENV/bin/python" --wheels .whl \
    --budget 2400 --install-timeout 1800 --out "$OUT_DIR"
