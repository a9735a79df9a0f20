"""The baseline a GIS user would try first: a per-pixel random forest trained on the same
polygons as a raster segmentation config, its map written as a class GeoTIFF the zoo's
tools read (``tools/analysis_tools/map_accuracy.py`` scores both side by side).

    python .dev_scripts/benchmarks/pixel_forest.py RASTER POLYGONS OUT.tif
        --classes A B ... [--class-field class] [--bands 1 2 3] [--trees 500] [--seed 0]

Features are each pixel's band values as the raster holds them (a forest needs no
scaling); training pixels are those inside the polygons with data in every band (a
polygon reaching past the scene's edge labels nodata, which would teach the forest that
nodata is a class). Prediction goes by blocks of rows; nodata pixels are written 255.
scikit-learn's RandomForestClassifier (``n_jobs=-1``).
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from custom_modules.geo.outputs import NODATA_CLASS  # noqa: E402
from custom_modules.geo.samples import open_grid  # noqa: E402
from custom_modules.geo.vectors import read_labels  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('raster')
    parser.add_argument('polygons')
    parser.add_argument('out')
    parser.add_argument('--classes', nargs='+', required=True)
    parser.add_argument('--class-field', default='class')
    parser.add_argument('--bands', type=int, nargs='+')
    parser.add_argument('--trees', type=int, default=500)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    import rasterio
    from rasterio.features import rasterize
    from sklearn.ensemble import RandomForestClassifier
    frame = read_labels(args.polygons, open_grid(args.raster), args.classes, args.class_field)
    with rasterio.open(args.raster) as src:
        bands = args.bands or list(range(1, src.count + 1))
        values = src.read(bands, masked=True)
        data = ~np.ma.getmaskarray(values).any(axis=0)
        labels = rasterize(
            zip(frame.geometry, frame.label),
            out_shape=src.shape,
            transform=src.transform,
            fill=NODATA_CLASS,
            dtype='uint8')
        train = (labels != NODATA_CLASS) & data
        features = np.asarray(values.filled(0), np.float32)
        forest = RandomForestClassifier(args.trees, random_state=args.seed, n_jobs=-1)
        forest.fit(features[:, train].T, labels[train])
        classes = np.full(src.shape, NODATA_CLASS, np.uint8)
        for top in range(0, src.height, 256):
            rows = slice(top, top + 256)
            block = features[:, rows].reshape(len(bands), -1).T
            found = forest.predict(block).reshape(-1, src.width).astype(np.uint8)
            classes[rows] = np.where(data[rows], found, NODATA_CLASS)
        profile = dict(
            driver='GTiff',
            width=src.width,
            height=src.height,
            count=1,
            dtype='uint8',
            nodata=NODATA_CLASS,
            crs=src.crs,
            transform=src.transform,
            compress='deflate')
    with rasterio.open(args.out, 'w', **profile) as out:
        out.write(classes, 1)
        out.update_tags(1, classes=','.join(args.classes))
    shares = np.bincount(classes[data], minlength=len(args.classes)) / max(data.sum(), 1)
    print(f'{args.out}: a {args.trees}-tree forest from {int(train.sum())} labelled pixels; '
          f'pixel shares {dict(zip(args.classes, shares.round(4).tolist()))}')


if __name__ == '__main__':
    main()
