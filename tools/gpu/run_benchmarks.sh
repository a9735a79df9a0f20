#!/usr/bin/env bash
# Run ON THE GPU MACHINE (Python 3.12, its own torch 2.11 / torchvision 0.26, no package
# index), from the repository root, after tools/gpu/fetch_wheels.sh filled .whl/ here:
#   bash tools/gpu/run_benchmarks.sh            (results in $OUT or work_dirs/gpu_benchmarks)
# 1. installs the carried wheels into /tmp/site, 2. builds mmcv 2.1.0 with its CPU ops
# (our patch; the models use torchvision's CUDA NMS, no mmcv CUDA op), 3. runs
# tools/analysis_tools/gpu_benchmarks.py on CUDA with bf16 autocast. Budget: < 8 minutes.
set -euo pipefail
START=$SECONDS
log() { printf '[gpu %4ds] %s\n' $((SECONDS - START)) "$*"; }
SITE=/tmp/site
OUT_DIR=${OUT:-work_dirs/gpu_benchmarks}
mkdir -p "$SITE" "$OUT_DIR"
log "installing carried wheels"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" .whl/*.whl
export PYTHONPATH=$SITE:$PWD
log "building mmcv 2.1.0 with CPU ops ($(nproc) cores)"
BUILD=$(mktemp -d)
tar -xzf .whl/mmcv-2.1.0.tar.gz -C "$BUILD"
patch -d "$BUILD/mmcv-2.1.0" -p1 --quiet < tools/install/mmcv-2.1.0.patch
(cd "$BUILD/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS=$(nproc) CUDA_VISIBLE_DEVICES= \
    python3 setup.py build_ext --inplace > "$OUT_DIR/mmcv_build.log" 2>&1) \
    || { tail -n 40 "$OUT_DIR/mmcv_build.log"; exit 1; }
export PYTHONPATH=$BUILD/mmcv-2.1.0:$PYTHONPATH
python3 -c 'import mmcv._ext, mmdet, mmseg, mmpretrain, custom_modules, torch; print("stack ok, torch", torch.__version__, torch.cuda.get_device_name())'
log "benchmarking every family with AMP"
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw --format=csv > "$OUT_DIR/gpu.csv" || true
PYTHONUNBUFFERED=1 python3 tools/analysis_tools/gpu_benchmarks.py --device cuda --amp \
    --batch "${BATCH:-16}" --iters "${ITERS:-20}" --warmup "${WARMUP:-5}" --workers 8 \
    --out-dir "$OUT_DIR" "$@"
log "done: $OUT_DIR/benchmarks.md"
