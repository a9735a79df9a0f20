"""Archive throughput, side by side in one run: a benchmark, not a test.

    python tools/analysis_tools/benchmark_archive.py MODEL_DIR [--source RASTER] [--count 60]
        [--size 512] [--tile N] [--work DIR] [--out work_dirs/benchmark_archive.json]

Cuts ``count`` rasters of ``size`` px from ``--source`` (default the geo demo mosaic,
data/demo/geo/mosaic.tif; give one the model reads), then predicts them all with:

1. ``tools/infer.py --backend onnxruntime`` on the folder (one process, a loop inside);
2. a shell-style loop starting ``tools/infer.py`` once per raster (what a script does);
3. ``tools/predict_archive.py`` on a local Dask cluster of 1 and of 2 workers;
4. the 2-worker archive again, with one worker killed (SIGKILL) once a quarter is done.

Reports wall time, rasters/s, Mpx/s and peak resident memory (of the process, or of the
largest worker, from the manifest) of each, and checks that every class raster (or box
layer) equals the one ``tools/infer.py`` wrote. MODEL_DIR is an exported model folder.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)


def cut_rasters(source, folder, count, size, seed=0):
    """``count`` windows of ``size`` px of ``source`` as GeoTIFFs with their own transforms,
    named with a date (the archive's counts by date)."""
    import rasterio
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    with rasterio.open(source) as ds:
        profile = ds.profile
        for i in range(count):
            x = int(rng.integers(0, ds.width - size + 1))
            y = int(rng.integers(0, ds.height - size + 1))
            window = Window(x, y, size, size)
            name = f'site_2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}_{i:03d}.tif'
            out = dict(
                profile, width=size, height=size, transform=window_transform(window, ds.transform))
            with rasterio.open(osp.join(folder, name), 'w', **out) as dst:
                dst.write(ds.read(window=window))


def timed(cmd, env=None):
    """Run ``cmd`` under /usr/bin/time -v: ``(seconds, peak RSS MB of the process)``."""
    start = time.time()
    proc = subprocess.run(['/usr/bin/time', '-v', *cmd],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          env=env)
    seconds = time.time() - start
    if proc.returncode != 0:
        sys.exit(f'{" ".join(cmd)} failed:\n{proc.stderr[-3000:]}')
    peak = re.search(r'Maximum resident set size \(kbytes\): (\d+)', proc.stderr)
    return seconds, int(peak[1]) / 1024 if peak else float('nan')


def archive(model_dir, rasters, out, workers, kill_at=None):
    """``tools/predict_archive.py`` with ``workers``; with ``kill_at`` (a share of the
    rasters), SIGKILL one busy worker once that share is done. Returns ``(seconds, peak
    worker RSS MB, killed pid or None)``."""
    import psutil
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable, 'tools/predict_archive.py', model_dir, rasters, '--out-dir', out,
        '--workers',
        str(workers), '--no-progress', '--dashboard', ':0'
    ]
    start = time.time()
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    total = len(glob.glob(osp.join(rasters, '*.tif')))
    while kill_at is not None and killed is None and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(osp.join(out, 'manifest.sqlite')) as db:
                done = db.execute("SELECT count(*) FROM rasters WHERE state='done'").fetchone()[0]
        except sqlite3.Error:
            continue
        if done >= kill_at * total:
            for child in psutil.Process(proc.pid).children(recursive=True):
                if 'multiprocessing' in ' '.join(child.cmdline()):
                    killed = child.pid
                    os.kill(killed, signal.SIGKILL)
                    break
    stdout, stderr = proc.communicate()
    seconds = time.time() - start
    if proc.returncode != 0:
        sys.exit(f'{" ".join(cmd)} failed:\n{stderr[-3000:]}')
    with sqlite3.connect(osp.join(out, 'manifest.sqlite')) as db:
        states = dict(db.execute('SELECT state, count(*) FROM rasters GROUP BY state').fetchall())
        peak = db.execute('SELECT max(peak_rss_mb) FROM rasters').fetchone()[0]
    assert states == {'done': total}, states
    return seconds, peak, killed


def same_outputs(reference, other):
    """Whether every class raster (or box layer) of ``reference`` equals ``other``'s."""
    import rasterio
    tifs = sorted(glob.glob(osp.join(reference, '*_classes.tif')))
    for path in tifs:
        with rasterio.open(path) as a, rasterio.open(osp.join(other, osp.basename(path))) as b:
            if not np.array_equal(a.read(), b.read()):
                return False
    if tifs:
        return True
    import geopandas
    layers = sorted(
        glob.glob(osp.join(reference, '*_detections.gpkg')) +
        glob.glob(osp.join(reference, '*_windows.gpkg')))
    for path in layers:
        a, b = (geopandas.read_file(p) for p in (path, osp.join(other, osp.basename(path))))
        if len(a) != len(b) or not a.geometry.geom_equals_exact(b.geometry, 1e-6).all():
            return False
    return bool(layers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('model_dir')
    parser.add_argument('--source', default='data/demo/geo/mosaic.tif')
    parser.add_argument('--count', type=int, default=60)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--work', default='work_dirs/benchmark_archive')
    parser.add_argument('--out', default='work_dirs/benchmark_archive.json')
    args = parser.parse_args()
    work = osp.abspath(args.work)
    rasters = osp.join(work, 'rasters')
    shutil.rmtree(work, ignore_errors=True)
    cut_rasters(args.source, rasters, args.count, args.size)
    megapixels = args.count * args.size * args.size / 1e6
    rows = []

    def add(name, seconds, peak, same, note=''):
        rows.append(
            dict(
                run=name,
                seconds=round(seconds, 1),
                rasters_per_s=round(args.count / seconds, 2),
                mpx_per_s=round(megapixels / seconds, 2),
                peak_rss_mb=round(peak, 0),
                same_outputs=same,
                note=note))
        print(rows[-1], flush=True)

    reference = osp.join(work, 'infer')
    seconds, peak = timed([
        sys.executable, 'tools/infer.py', '--backend', 'onnxruntime', '--model', args.model_dir,
        rasters, '--out-dir', reference
    ])
    add('tools/infer.py on the folder (1 process)', seconds, peak, True)
    loop = osp.join(work, 'loop')
    start, peak = time.time(), 0.0
    for path in sorted(glob.glob(osp.join(rasters, '*.tif'))):
        peak = max(
            peak,
            timed([
                sys.executable, 'tools/infer.py', '--backend', 'onnxruntime', '--model',
                args.model_dir, path, '--out-dir', loop
            ])[1])
    add('tools/infer.py once per raster (a shell loop)',
        time.time() - start, peak, same_outputs(reference, loop))
    for workers in (1, 2):
        out = osp.join(work, f'archive{workers}')
        seconds, peak, _ = archive(args.model_dir, rasters, out, workers)
        add(f'predict_archive.py, {workers} Dask worker(s)', seconds, peak,
            same_outputs(reference, out), 'peak of the largest worker')
    out = osp.join(work, 'archive2-killed')
    seconds, peak, killed = archive(args.model_dir, rasters, out, 2, kill_at=0.25)
    add('predict_archive.py, 2 workers, one killed (SIGKILL) at 25 %', seconds, peak,
        same_outputs(reference, out), f'killed pid {killed}; every raster done')
    print('\n| run | wall s | rasters/s | Mpx/s | peak RSS MB | outputs equal infer.py |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["run"]} | {r["seconds"]} | {r["rasters_per_s"]} | {r["mpx_per_s"]} | '
              f'{r["peak_rss_mb"]:.0f} | {"yes" if r["same_outputs"] else "NO"} |')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(count=args.count, size=args.size, megapixels=megapixels, runs=rows), f, indent=1)


if __name__ == '__main__':
    main()
