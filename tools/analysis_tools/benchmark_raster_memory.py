"""Resident memory of raster prediction against the raster's size: a benchmark, not a test.

    python tools/analysis_tools/benchmark_raster_memory.py MODEL_DIR [--sizes 20000x2000
        20000x6000 ...] [--tile 512] [--overlap 64] [--threads N] [--work DIR]
        [--out work_dirs/benchmark_raster_memory.json]

For each WIDTHxHEIGHT, writes a 3-band uint8 GeoTIFF (tiled, compressed; demo frames
repeated, so the model sees structure) window by window, then predicts it with the
torch-free runtime (``python -m custom_modules.deploy predict``) under ``/usr/bin/time -v``
and reports its maximum resident set size and wall time beside the raster's own size. With
reading by windows and class rows written as they finish, the peak follows the raster's
width (one row of windows), not its area: compare sizes of one width and several heights.
MODEL_DIR is any exported segmentation (or detection) model folder.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def write_raster(path, width, height, block=1024):
    """A ``width`` x ``height`` 3-band GeoTIFF of demo frames, written ``block`` rows at once."""
    import cv2
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from custom_modules import demo_data
    demo_data.generate(families=['imseg'])
    folder = osp.join(demo_data.DEMO_ROOT, 'imseg', 'images', 'val')
    frames = [cv2.imread(osp.join(folder, n))[..., ::-1] for n in sorted(os.listdir(folder))[:16]]
    side = frames[0].shape[0]
    mosaic = np.vstack([np.hstack(frames[r * 4:r * 4 + 4]) for r in range(4)])  # 4 x 4 frames
    with rasterio.open(
            path,
            'w',
            driver='GTiff',
            width=width,
            height=height,
            count=3,
            dtype='uint8',
            crs='EPSG:32617',
            transform=from_origin(400000, 3300000, 0.5, 0.5),
            tiled=True,
            compress='deflate',
            BIGTIFF='IF_SAFER') as f:
        reps_x = -(-width // (4 * side))
        for y in range(0, height, block):
            rows = min(block, height - y)
            band = np.tile(mosaic, (-(-block // (4 * side)), reps_x, 1))[:rows, :width]
            f.write(band.transpose(2, 0, 1), window=Window(0, y, width, rows))


def measure(model_dir, raster, out_dir, tile, overlap, threads):
    command = [
        '/usr/bin/time', '-v', sys.executable, '-m', 'custom_modules.deploy', 'predict', model_dir,
        raster, '--out-dir', out_dir, '--tile',
        str(tile), '--overlap',
        str(overlap)
    ] + (['--threads', str(threads)] if threads else [])
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f'error: prediction failed:\n{proc.stderr[-3000:]}')
    peak_kb = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', proc.stderr)[1])
    return dict(
        seconds=round(seconds, 1), max_rss_mb=round(peak_kb / 1024, 1), summary=proc.stdout.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('model_dir')
    parser.add_argument('--sizes', nargs='+', default=['20000x2000', '20000x6000'])
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=64)
    parser.add_argument('--threads', type=int)
    parser.add_argument('--work', default='work_dirs/benchmark_raster_memory')
    parser.add_argument('--out', default='work_dirs/benchmark_raster_memory.json')
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results = []
    for size in args.sizes:
        width, height = (int(v) for v in size.split('x'))
        raster = osp.join(args.work, f'raster_{width}x{height}.tif')
        if not osp.isfile(raster):
            write_raster(raster, width, height)
        found = measure(args.model_dir, raster, osp.join(args.work, f'out_{size}'), args.tile,
                        args.overlap, args.threads)
        found.update(
            width=width, height=height, raster_mb_uncompressed=round(width * height * 3 / 2**20, 1))
        print(json.dumps(found))
        results.append(found)
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(tile=args.tile, overlap=args.overlap, results=results), f, indent=1)


if __name__ == '__main__':
    main()
