#!/usr/bin/env bash
# Where there is network: gather, into .whl/ (git-ignored), what a GPU machine without
# network needs on top of its own Python 3.12 image (torch, torchvision, numpy, scipy,
# opencv, matplotlib, scikit-learn, ... already there): the pure-Python OpenMMLab wheels
# and their small dependencies for CPython 3.12 on x86-64 Linux, setuptools < 81 for the
# pkg_resources mmengine imports, and the mmcv 2.1.0 sdist (hash-checked), about 12 MB.
# .dev_scripts/gpu/run_gpu_checks.sh installs them there.
#   bash .dev_scripts/gpu/fetch_wheels.sh [DEST]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEST=${1:-$REPO/.whl}
PY=${PYTHON:-python3}
mkdir -p "$DEST"
PLATFORMS=()
for n in 2_28 2_27 2_24 2_17 2014 1; do
    case $n in 2014|1) PLATFORMS+=(--platform "manylinux${n}_x86_64") ;;
               *) PLATFORMS+=(--platform "manylinux_${n}_x86_64") ;; esac
done
"$PY" -m pip --disable-pip-version-check download -q --no-deps --only-binary=:all: \
    --python-version 3.12 --implementation cp "${PLATFORMS[@]}" -d "$DEST" \
    mmengine==0.10.7 mmdet==3.3.0 mmsegmentation==1.2.2 mmpretrain==1.2.0 \
    addict yapf platformdirs termcolor terminaltables pycocotools shapely prettytable \
    wcwidth mat4py modelindex model-index ordered-set importlib_metadata lazy-importer ftfy \
    "setuptools<81" 2>&1 \
    | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
PYTHON=$PY bash "$REPO/tools/install.sh" fetch-mmcv "$DEST"
du -sh "$DEST"
