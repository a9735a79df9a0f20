#!/usr/bin/env bash
# Run HERE (with network), before tools/gpu/run_benchmarks.sh runs on the GPU machine:
# download, for that machine's Python 3.12, the wheels it lacks (its image has torch,
# torchvision, timm, numpy, scipy, opencv, ...; see /work/.library/device/KINDS.md), with
# setuptools<81 for the pkg_resources mmengine imports, and the mmcv 2.1.0 sdist, into
# .whl/ (git-ignored; the device tool carries it: carry=[".whl"]), about 12 MB.
#   bash tools/gpu/fetch_wheels.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEST=$REPO/.whl
PY=${PYTHON:-$REPO/.venv/bin/python}
mkdir -p "$DEST"
grep -qxF '/.whl/' "$REPO/.git/info/exclude" 2>/dev/null || echo '/.whl/' >> "$REPO/.git/info/exclude"
PLATFORMS=()
for n in 2_28 2_27 2_24 2_17 2014 1; do
    case $n in 2014|1) PLATFORMS+=(--platform "manylinux${n}_x86_64") ;;
               *) PLATFORMS+=(--platform "manylinux_${n}_x86_64") ;; esac
done
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp "${PLATFORMS[@]}" -d "$DEST" \
    mmengine==0.10.7 mmdet==3.3.0 mmsegmentation==1.2.2 mmpretrain==1.2.0 \
    addict yapf platformdirs termcolor terminaltables pycocotools shapely prettytable \
    wcwidth mat4py modelindex ordered-set importlib_metadata ftfy "setuptools<81"
"$PY" -m pip download -q --no-deps --no-binary=:all: -d "$DEST" mmcv==2.1.0
ls -la "$DEST"
du -sh "$DEST"
