"""What checking images before training costs: the header and end-marker check the
datasets run (``image_headers``) against a full decode of every image, on N JPEG files.

    python tools/analysis_tools/benchmark_image_checks.py [--n 10000] [--size 640x480]
        [--workers 2]

The files are copies of 16 distinct random-texture JPEGs (quality 90) in a temporary
folder; both checks read every file, so the page cache helps both alike.
"""
import argparse
import os
import os.path as osp
import shutil
import tempfile
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

from custom_modules.datasets.bad_samples import image_headers


def full_decode(path):
    with Image.open(path) as img:
        img.load()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--n', type=int, default=10000)
    parser.add_argument('--size', default='640x480')
    parser.add_argument('--workers', type=int, default=2)
    args = parser.parse_args()
    width, height = map(int, args.size.split('x'))
    folder = tempfile.mkdtemp()
    try:
        rng = np.random.default_rng(0)
        originals = []
        for i in range(16):
            path = osp.join(folder, f'src_{i}.jpg')
            noise = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
            Image.fromarray(noise).resize((width, height)).save(path, quality=90)
            originals.append(path)
        paths = [osp.join(folder, f'{i:06d}.jpg') for i in range(args.n)]
        for i, path in enumerate(paths):
            shutil.copyfile(originals[i % 16], path)
        timings = {}
        start = time.perf_counter()
        sizes, bad = image_headers(paths)
        timings['header + end marker (1 process)'] = time.perf_counter() - start
        assert len(sizes) == args.n and not bad
        start = time.perf_counter()
        for path in paths:
            full_decode(path)
        timings['full decode (1 process)'] = time.perf_counter() - start
        start = time.perf_counter()
        with Pool(args.workers) as pool:
            pool.map(full_decode, paths, chunksize=64)
        timings[f'full decode ({args.workers} processes)'] = time.perf_counter() - start
    finally:
        shutil.rmtree(folder)
    base = timings['header + end marker (1 process)']
    print(f'{args.n} JPEG files of {width}x{height}, {os.cpu_count()} CPUs')
    for name, seconds in timings.items():
        print(f'  {name:36s} {seconds:8.2f} s   {seconds / base:7.1f} x')


if __name__ == '__main__':
    main()
