#!/usr/bin/env bash
# Build the pinned OpenMMLab stack (requirements/) into a virtual environment.
#
#   bash tools/install.sh            # into .venv at the repository root
#   ZOO_VENV=/path/to/venv bash tools/install.sh
#   bash tools/install.sh fetch-mmcv DIR   # only download and check the mmcv sdist
#
# mmcv 2.1.0 has no wheel for current torch: we download its sdist through pip (so pip's
# configured index, mirror or proxy is used), check its sha256 and apply
# tools/install/mmcv-2.1.0.patch (C++20 for torch >= 2.14 headers, no pkg_resources, the
# THC include newer torch dropped, the name 'mmcv' also without ops).
#
# By default mmcv is built WITHOUT its compiled C++ ops (MMCV_WITH_OPS=0: pure Python,
# seconds). No zoo config calls an mmcv kernel (our RetinaNet head uses a plain-torch
# focal loss and torchvision's NMS; tests/test_without_mmcv_ops.py), but mmdet, mmseg and
# mmpretrain import mmcv.ops, which asks for mmcv._ext: tools/install/mmcv_ext_standin.py
# is installed as mmcv/_ext.py and answers every op with one line naming
# ZOO_MMCV_OPS when a stock OpenMMLab module calls it.
#
# ZOO_MMCV_OPS=cpu builds mmcv's C++ ops (8 to 18 minutes on 2 cores), ZOO_MMCV_OPS=cuda
# its CUDA kernels too (about twice that; needs nvcc, and a visible GPU or
# TORCH_CUDA_ARCH_LIST), for stock OpenMMLab models that need them. Each wheel is cached
# outside the repository, keyed by the mmcv, torch and Python versions and the flavour,
# so a build is paid once per machine. A second run with everything in place takes seconds.
#
# Environment: ZOO_VENV (venv path), ZOO_CACHE (wheel cache, default
# ~/.cache/mlmondays-zoo), PYTHON (interpreter for a new venv, default python3),
# MAX_JOBS (parallel compiler jobs, default: all cores), ZOO_MMCV_OPS (none, the default,
# cpu or cuda), ZOO_NEED_GB (free disk asked for before installing; default 7, what a new
# venv takes: torch 2.14.1's x86_64 wheel is a CUDA build of about 5.6 GB; 2 where torch
# is in place).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${ZOO_VENV:-$REPO/.venv}
CACHE=${ZOO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlmondays-zoo}
MMCV_VERSION=2.1.0
MMCV_SHA256=d387bcab66b467479b6660310e23746cfc79c6e57acf04094680adb499a5cd3f
MMCV_PATCH=$REPO/tools/install/mmcv-$MMCV_VERSION.patch
MMCV_STANDIN=$REPO/tools/install/mmcv_ext_standin.py
START=$SECONDS

log() { printf '[install %4ds] %s\n' $((SECONDS - START)) "$*"; }

# `step N "what" SECONDS command...`: run a step of the install, saying which one it is,
# what it usually takes on a new 2-core machine, and every 20 s how long it has run.
STEPS=4
step() {
    local n=$1 what=$2 usual=$3 t0=$SECONDS
    shift 3
    log "step $n/$STEPS: $what (usually ${usual}s on a new machine, seconds when in place)"
    "$@" &
    local pid=$! next=20
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        local ran=$((SECONDS - t0))
        if [ "$ran" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
            next=$((next + 20))
            local left=$((usual - ran))
            if [ "$left" -gt 0 ]; then left="about ${left}s left"; else left="longer than usual"; fi
            log "  ... step $n/$STEPS still running: ${ran}s ($left)"
        fi
    done
    wait "$pid"
    log "  step $n/$STEPS done in $((SECONDS - t0))s"
}

# pip, quiet, without the noise of pip configurations that name local index folders
# which do not exist.
pip_quiet() {
    "$PY" -m pip --disable-pip-version-check install -q "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}

# Everything the installed stack depends on: a change here means "install again".
inputs_digest() {
    { cat "$REPO"/requirements/*.txt "$REPO/setup.py" "$MMCV_PATCH" "$MMCV_STANDIN" \
        "$REPO/tools/install.sh"; echo "ops=${ZOO_MMCV_OPS:-none}"; } | sha256sum | cut -c1-16
}

stack_works() {
    "$PY" -c 'import mmcv._ext, mmengine, mmdet, mmseg, mmpretrain, mim, custom_modules' 2>/dev/null
}

# What mmcv/_ext is after the install: the stand-in (none) or a compiled extension.
installed_ops() {
    "$PY" -c 'import mmcv._ext as e; print("none" if getattr(e, "STAND_IN", False) else "compiled")' 2>/dev/null
}

# The mmcv build ZOO_MMCV_OPS asks for (checked up front, before anything is installed;
# the CUDA flavour is named for torch's CUDA version, so this runs once torch is in).
ops_flavour() {
    case ${ZOO_MMCV_OPS:-none} in
        cuda)
            command -v nvcc >/dev/null || { echo "ZOO_MMCV_OPS=cuda needs nvcc on PATH" >&2; return 1; }
            echo "cuda$("$PY" -c 'import torch; print(torch.version.cuda or "")')" ;;
        *) echo "${ZOO_MMCV_OPS:-none}" ;;
    esac
}

# The sdist through pip (its index, mirrors and proxies), checked against our hash.
fetch_mmcv_sdist() {
    local dir=$1
    "$PY" -m pip --disable-pip-version-check download -q --no-deps --no-binary :all: \
        --no-build-isolation -d "$dir" "mmcv==$MMCV_VERSION" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
    [ -f "$dir/mmcv-$MMCV_VERSION.tar.gz" ] \
        || { echo "pip did not download the mmcv $MMCV_VERSION sdist" >&2; return 1; }
    echo "$MMCV_SHA256  $dir/mmcv-$MMCV_VERSION.tar.gz" | sha256sum -c --quiet - \
        || { echo "mmcv $MMCV_VERSION sdist: sha256 differs from $MMCV_SHA256" >&2; return 1; }
}

build_mmcv_wheel() {
    local out=$1 flavour=$2 src
    src=$(mktemp -d)
    trap 'rm -rf "$src"; trap - RETURN' RETURN
    log "downloading the mmcv $MMCV_VERSION sdist (pip download)"
    fetch_mmcv_sdist "$src"
    tar -xzf "$src/mmcv-$MMCV_VERSION.tar.gz" -C "$src"
    log "applying $(basename "$MMCV_PATCH")"
    patch -d "$src/mmcv-$MMCV_VERSION" -p1 --quiet < "$MMCV_PATCH"
    local -a env_vars=(MMCV_WITH_OPS=1 "MAX_JOBS=${MAX_JOBS:-$(nproc)}")
    local build_log=$out/build.log poll=30
    case $flavour in
        none)
            log "building mmcv without compiled ops, with the stand-in $(basename "$MMCV_STANDIN")"
            cp "$MMCV_STANDIN" "$src/mmcv-$MMCV_VERSION/mmcv/_ext.py"
            env_vars=(MMCV_WITH_OPS=0) poll=1 ;;
        cpu) env_vars+=(CUDA_VISIBLE_DEVICES=) ;;
        *)
            local arch=${TORCH_CUDA_ARCH_LIST:-}
            [ -n "$arch" ] || arch=$("$PY" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())') \
                || { echo "ZOO_MMCV_OPS=cuda: no GPU visible; set TORCH_CUDA_ARCH_LIST" >&2; return 1; }
            env_vars+=(FORCE_CUDA=1 "TORCH_CUDA_ARCH_LIST=$arch") ;;
    esac
    if [ "$flavour" != none ]; then
        log "building mmcv with its C++ ops ($flavour): this takes 8 to 18 minutes on 2 cores;"
        log "  progress below, full log in $build_log"
    fi
    (cd "$src/mmcv-$MMCV_VERSION" \
        && env "${env_vars[@]}" "$PY" setup.py bdist_wheel >"$build_log" 2>&1) &
    local pid=$! last=''
    while kill -0 "$pid" 2>/dev/null; do
        sleep "$poll"
        local now
        now=$(grep -oE '^\[[0-9]+/[0-9]+\]' "$build_log" | tail -n1 || true)
        [ -n "$now" ] && [ "$now" != "$last" ] && log "  compiled $now files" && last=$now
    done
    wait "$pid" || { tail -n 30 "$build_log" >&2; echo "mmcv build failed, see $build_log" >&2; return 1; }
    cp "$src/mmcv-$MMCV_VERSION"/dist/mmcv-*.whl "$out/"
}

# `bash tools/install.sh fetch-mmcv DIR`: only download and check the sdist (for a
# machine without network access; .dev_scripts/gpu/fetch_wheels.sh uses it).
if [ "${1:-}" = fetch-mmcv ]; then
    PY=${PYTHON:-$VENV/bin/python}
    [ -x "$PY" ] || PY=python3
    mkdir -p "$2"
    fetch_mmcv_sdist "$2"
    exit 0
fi

# --- 1. the virtual environment -------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    log "step 1/$STEPS: creating virtual environment $VENV (${PYTHON:-python3})"
    "${PYTHON:-python3}" -m venv "$VENV"
fi
PY=$VENV/bin/python
STAMP=$VENV/.mlmondays-zoo-installed
case ${ZOO_MMCV_OPS:-none} in
    none | cpu | cuda) ;;
    *) echo "ZOO_MMCV_OPS=${ZOO_MMCV_OPS}: use none (the default: no compiled ops), cpu or cuda" >&2
       exit 1 ;;
esac
DIGEST=$(inputs_digest)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$DIGEST" ] && stack_works; then
    log "everything in place in $VENV (delete $STAMP to force a reinstall)"
    exit 0
fi

# Refuse up front, in one line, rather than end in pip's "No space left on device" half-way.
# (2 GB when torch is already in the venv: then only the stack around it changes).
default_gb=7
"$PY" -c 'import torch' 2>/dev/null && default_gb=2
need_gb=${ZOO_NEED_GB:-$default_gb}
free_kb=$(df -Pk "$VENV" | awk 'NR == 2 {print $4}')
if [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    echo "install: $((free_kb / 1024)) MB free on the disk of $VENV; installing needs about" \
        "$need_gb GB (torch's CUDA wheel alone is 5.6 GB): free some space or set ZOO_VENV" \
        "to a disk with room" >&2
    exit 1
fi

# --- 2. build requirements and torch (local files on our machines) ---------------------
step 2 "build requirements and torch 2.14.1, a 5.6 GB CUDA build (requirements/build.txt)" 50 \
    pip_quiet -r "$REPO/requirements/build.txt"

# --- 3. mmcv, from the cache or built once ----------------------------------------------
FLAVOUR=$(ops_flavour)
if [ "$FLAVOUR" = none ]; then
    # pure Python: the wheel depends on neither torch nor Python, only on what goes in it
    KEY="mmcv-$MMCV_VERSION+none+$(cat "$MMCV_PATCH" "$MMCV_STANDIN" | sha256sum | cut -c1-12)"
    USUAL=5
else
    KEY="mmcv-$MMCV_VERSION+torch-$("$PY" -c 'import torch; print(torch.__version__)')"
    KEY="$KEY+$("$PY" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')+$FLAVOUR"
    USUAL=1100
fi
WHEEL_DIR=$CACHE/wheels/$KEY
mmcv_wheel() {
    if ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
        log "mmcv wheel found in cache: $WHEEL_DIR"
        return
    fi
    mkdir -p "$CACHE/wheels"
    local tmp_dir
    tmp_dir=$(mktemp -d "$CACHE/wheels/.building-XXXXXX")
    build_mmcv_wheel "$tmp_dir" "$FLAVOUR"
    rm -rf "$WHEEL_DIR"
    mv "$tmp_dir" "$WHEEL_DIR"  # only a complete build lands in the cache
    log "mmcv wheel cached in $WHEEL_DIR"
}
step 3 "mmcv $MMCV_VERSION, compiled ops: $FLAVOUR (ZOO_MMCV_OPS)" "$USUAL" mmcv_wheel

# --- 4. the stack, our package, the test tools -------------------------------------------
stack() {
    # --force-reinstall: the same mmcv version with other ops (ZOO_MMCV_OPS changed)
    pip_quiet --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
    pip_quiet -r "$REPO/requirements/runtime.txt" -r "$REPO/requirements/mminstall.txt" \
        -r "$REPO/requirements/tests.txt"
    pip_quiet --no-deps -r "$REPO/requirements/mim.txt"
    pip_quiet --no-deps -e "$REPO"
}
step 4 "mmcv and the pinned OpenMMLab stack (requirements/runtime.txt, mminstall.txt, tests.txt)" \
    40 stack
# mim looks for the package's .mim folder (configs, tools, model-index.yml; setup.py makes
# it) in <location of its dist-info>/mlmondays-zoo, then <location>/custom_modules; a PEP 660
# editable install keeps its dist-info in site-packages and the code here, so point the
# first at the code (mim's get_installed_path, openmim 0.3.9: mim/utils/utils.py).
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
ln -sfn "$REPO/custom_modules" "$SITE/mlmondays-zoo"
want=compiled
[ "$FLAVOUR" = none ] && want=none
if [ "$(installed_ops)" != "$want" ]; then
    echo "install: mmcv's ops are '$(installed_ops)', not '$want' as ZOO_MMCV_OPS=$FLAVOUR asks" \
        "(a compiled build without torch importable has no ops): delete $WHEEL_DIR and run again" >&2
    exit 1
fi
stack_works || { "$PY" -c 'import mmcv._ext, mmengine, mmdet, mmseg, mmpretrain, mim, custom_modules'; exit 1; }
echo "$DIGEST" > "$STAMP"
log "done in $((SECONDS - START))s: $VENV ($("$PY" -c 'import torch, mmcv; print("torch", torch.__version__, "mmcv", mmcv.__version__)'), compiled mmcv ops: $FLAVOUR)"
