"""Raster prediction against DeepForest, side by side in one run on this machine: DeepForest's
``predict_tile`` and this zoo's raster prediction (PyTorch, ONNX Runtime fp32 and int8) of a
RetinaNet with a ResNet-50 FPN, on NEON's OSBS_029 orthophoto (and on a 2000 x 2000 px
mosaic of it), at DeepForest's tile size (400 px) and overlap (5 %, 20 px).

    python .dev_scripts/benchmarks/deepforest_comparison.py [--repeats 5]
        [--venv work_dirs/deepforest-venv] [--out work_dirs/deepforest_comparison.json]

One command on a fresh machine: it installs DeepForest (``DEEPFOREST`` below) from the package
registry in its own virtual environment (once; torch comes from wherever pip finds it),
writes the raster with ``tools/dataset_converters/neon_osbs_raster.py`` (the same wheel's
``OSBS_029.tif``), exports the zoo model and times each side in its own process, so that
each peak resident memory is its own. Each side: the model built once, one prediction to
warm up, then the median of ``--repeats`` predictions of the whole raster (reading, tiling,
network, merging; the zoo also writes its GeoPackage). Mpx/s = raster pixels / that time.

Accuracy is not compared: DeepForest's tree weights are downloaded from Hugging Face at run
time, which is not on the package registry, so both sides run at initial weights (the
zoo's RetinaNet at mmdet's initialisation, DeepForest's RetinaNet with ``backbone_weights=
None``); their speed does not depend on the weights beyond the boxes kept (both keep few:
DeepForest's score_thresh 0.1, the zoo's 0.05, the class prior 0.01). DeepForest's model is
torchvision's RetinaNet, whose transform resizes every image to a short side of 800 px
(``min_size``, a 400 px tile is predicted at 800 px); the row "DeepForest, min_size 400"
predicts the same pixels as the zoo.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEEPFOREST = 'deepforest==2.1.0'
RASTER = 'data/neon-osbs/OSBS_029.tif'
TILE, OVERLAP = 400, 0.05

# The peak resident memory of the process: VmHWM, which starts afresh at exec (getrusage's
# ru_maxrss does not on Linux: a child would report its parent's peak at fork).
PEAK = r'''
def PEAK():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) for l in f if l.startswith('VmHWM')) / 1024
'''

DEEPFOREST_SIDE = PEAK + r'''
import functools, json, statistics, sys, time
import torch, torchvision
# RetinaNetHub builds torchvision's retinanet_resnet50_fpn, whose ImageNet backbone weights
# are a download by default: initial weights here, as on the zoo's side
torchvision.models.detection.retinanet_resnet50_fpn = functools.partial(
    torchvision.models.detection.retinanet_resnet50_fpn, weights_backbone=None)
from deepforest import main
from deepforest.models.retinanet import RetinaNetHub
path, tile, overlap, repeats, min_size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
extra = dict(min_size=min_size, max_size=min_size) if min_size else {}
model = RetinaNetHub(backbone_weights=None, num_classes=1, nms_thresh=0.05, score_thresh=0.1,
                     label_dict={'Tree': 0}, **extra)
forest = main.deepforest(model=model, config_args=dict(
    model=dict(name=None), num_classes=1, label_dict={'Tree': 0}, accelerator='cpu',
    devices=1))
forest.model.eval()
def once():
    return forest.predict_tile(path=path, patch_size=tile, patch_overlap=overlap)
once()
seconds = []
for _ in range(repeats):
    start = time.perf_counter()
    boxes = once()
    seconds.append(time.perf_counter() - start)
print(json.dumps(dict(seconds=statistics.median(seconds), boxes=0 if boxes is None else len(boxes),
                      peak_rss_mb=PEAK(),
                      threads=torch.get_num_threads())))
'''

ZOO_SIDE = PEAK + r'''
import json, statistics, sys, tempfile, time
backend, model, raster, tile, overlap, repeats = sys.argv[1:7]
if backend == 'pytorch':
    import torch
    from custom_modules.cli import load_config
    from custom_modules.export.onnx_export import torch_predictor
    args = type('Args', (), dict(config=model, cfg_options={}))()
    predictor = torch_predictor(load_config(args), sys.argv[7], batch_size=8)
else:
    from custom_modules.deploy import onnx_predictor
    predictor = onnx_predictor(model, precision=backend, batch_size=8)
from custom_modules.deploy.files import predict_folder
def once():
    with tempfile.TemporaryDirectory() as out:
        return predict_folder(predictor, raster, out, tile=int(tile), overlap=int(overlap))
line = once()
seconds = []
for _ in range(int(repeats)):
    start = time.perf_counter()
    once()
    seconds.append(time.perf_counter() - start)
print(json.dumps(dict(seconds=statistics.median(seconds), summary=line,
                      peak_rss_mb=PEAK())))
'''


def deepforest_python(venv):
    """The DeepForest environment's interpreter, installed the first time."""
    python = osp.join(venv, 'bin', 'python')
    if not osp.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
    try:
        subprocess.run([python, '-c', 'import deepforest'], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        print(f'installing {DEEPFOREST} into {venv} (once; a few minutes)', flush=True)
        subprocess.run([python, '-m', 'pip', 'install', '-q', DEEPFOREST], check=True)
    return python


def zoo_model(folder, calib_windows=16):
    """The config, an initial-weights checkpoint and the fp32 + int8 export of the zoo's
    ResNet-50 FPN RetinaNet (the course's, mmdet's initialisation) reading the raster's
    400 px windows as they are (no resize)."""
    sys.path.insert(0, REPO)
    from mmengine.config import Config

    from custom_modules.cli import load_config
    from custom_modules.export.onnx_export import export_onnx
    from custom_modules.export.quantize import export_int8
    from tools.analysis_tools.benchmark_inference import random_checkpoint
    neon = Config.fromfile(
        osp.join(REPO, 'configs/objrecog',
                 'retinanet-adamw_r18-fpn-gn_1xb4-100e_neon-osbs-raster-200.py'))
    r50 = Config.fromfile(osp.join(REPO, 'configs/_base_/models/retinanet_r50-fpn_course.py'))
    cfg = neon.copy()
    cfg.model = r50.model
    cfg.model.data_preprocessor = neon.model.data_preprocessor
    for loader in ('val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        dataset.windows.size = TILE
        for step in dataset.pipeline:
            if step['type'] == 'Resize':
                step['scale'] = (TILE, TILE)
    path = osp.join(folder, 'retinanet_r50-fpn_neon-osbs-raster-400.py')
    cfg.dump(path)
    cfg = load_config(type('Args', (), dict(config=path, cfg_options={}))())
    checkpoint = random_checkpoint(cfg, folder)
    model_dir = osp.join(folder, 'onnx')
    export_onnx(cfg, checkpoint, model_dir)
    print(export_int8(cfg, model_dir, calib_windows, max_loss=float('inf')))
    return path, checkpoint, model_dir


def mosaic(raster, out, copies=5):
    """A ``copies`` x ``copies`` mosaic of ``raster`` (same CRS and pixel size)."""
    import numpy as np
    import rasterio
    with rasterio.open(raster) as src:
        data, profile = src.read(), src.profile
    tiled = np.tile(data, (1, copies, copies))
    profile.update(
        width=tiled.shape[2], height=tiled.shape[1], tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(out, 'w', **profile) as dst:
        dst.write(tiled)
    return out


def run_side(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    if proc.returncode:
        raise SystemExit(f'{argv[:3]} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--venv', default=osp.join(REPO, 'work_dirs', 'deepforest-venv'))
    parser.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'deepforest_comparison.json'))
    args = parser.parse_args()
    forest_python = deepforest_python(args.venv)
    os.chdir(REPO)
    if not osp.exists(RASTER):
        subprocess.run([sys.executable, 'tools/dataset_converters/neon_osbs_raster.py'], check=True)
    overlap_px = round(TILE * OVERLAP)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        config, checkpoint, model_dir = zoo_model(folder)
        rasters = [RASTER, mosaic(RASTER, osp.join(folder, 'OSBS_029_mosaic_5x5.tif'))]
        for raster in rasters:
            import rasterio
            with rasterio.open(raster) as src:
                megapixels = src.width * src.height / 1e6
            sides = {
                'DeepForest predict_tile (min_size 800)':
                [forest_python, '-c', DEEPFOREST_SIDE, raster, TILE, OVERLAP, args.repeats, 0],
                'DeepForest predict_tile, min_size 400':
                [forest_python, '-c', DEEPFOREST_SIDE, raster, TILE, OVERLAP, args.repeats, TILE],
                'zoo, PyTorch': [
                    sys.executable, '-c', ZOO_SIDE, 'pytorch', config, raster, TILE, overlap_px,
                    args.repeats, checkpoint
                ],
                'zoo, ONNX Runtime fp32': [
                    sys.executable, '-c', ZOO_SIDE, 'fp32', model_dir, raster, TILE, overlap_px,
                    args.repeats
                ],
                'zoo, ONNX Runtime int8': [
                    sys.executable, '-c', ZOO_SIDE, 'int8', model_dir, raster, TILE, overlap_px,
                    args.repeats
                ],
            }
            for name, argv in sides.items():
                result = run_side([str(a) for a in argv])
                result.update(
                    side=name,
                    raster=osp.basename(raster),
                    megapixels=megapixels,
                    mpx_s=megapixels / result['seconds'])
                rows.append(result)
                print(
                    f'{osp.basename(raster)}: {name}: {result["seconds"]:.3f} s, '
                    f'{result["mpx_s"]:.3f} Mpx/s, peak {result["peak_rss_mb"]:.0f} MB',
                    flush=True)
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(cpus=os.cpu_count(), tile=TILE, overlap=OVERLAP, rows=rows), f, indent=1)
    print('| raster | side | s | Mpx/s | vs DeepForest | peak RSS MB | vs DeepForest |')
    print('|---|---|---|---|---|---|---|')
    for row in rows:
        base = next(r for r in rows if r['raster'] == row['raster'])
        print(f'| {row["raster"]} | {row["side"]} | {row["seconds"]:.3f} | {row["mpx_s"]:.3f} | '
              f'{row["mpx_s"] / base["mpx_s"]:.2f}x | {row["peak_rss_mb"]:.0f} | '
              f'{row["peak_rss_mb"] / base["peak_rss_mb"]:.2f}x |')
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
