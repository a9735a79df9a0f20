"""The README's pictures of raster prediction, drawn from the files prediction wrote (every
layer in the raster's CRS, as QGIS would draw them):

    python .dev_scripts/geo_pictures.py vectors RASTER PRED OUT.png
    python .dev_scripts/geo_pictures.py uncertainty RASTER PRED OUT.png

``vectors``: the sand polygons and the shoreline over the raster (the demo geo model,
``tools/infer.py ... data/demo/geo/mosaic.tif --out-dir PRED --tta flip``);
``uncertainty``: the uncertainty map with the windows suggested for labelling
(``--uncertainty --suggest N``).
"""
import os
import os.path as osp
import sys

import numpy as np


def main():
    kind, raster, pred, out = sys.argv[1:5]
    import matplotlib
    matplotlib.use('Agg')
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    stem = osp.splitext(osp.basename(raster))[0]
    dict(vectors=vectors, uncertainty=uncertainty)[kind](raster, pred, stem, out)
    print(f'{out} written')


def vectors(raster, pred, stem, out):
    import geopandas
    import matplotlib.pyplot as plt
    import rasterio
    from rasterio.plot import plotting_extent
    with rasterio.open(raster) as src:
        rgb = src.read((1, 2, 3), out_shape=(3, 512, 512), masked=True).astype(np.float64)
        extent = plotting_extent(src)
    low, high = np.percentile(rgb.compressed(), (2, 98))
    rgb = np.clip((rgb.filled(low) - low) / (high - low), 0, 1).transpose(1, 2, 0)
    polygons = geopandas.read_file(osp.join(pred, f'{stem}_classes.gpkg'))
    shoreline = geopandas.read_file(osp.join(pred, f'{stem}_shoreline.gpkg'))
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    ax.imshow(rgb, extent=extent)
    polygons[polygons['class'] == 'sand'].boundary.plot(ax=ax, color='orange', linewidth=0.8)
    shoreline.plot(ax=ax, color='red', linewidth=1.5)
    ax.set_title(f'{stem}_classes.gpkg (sand, orange) and {stem}_shoreline.gpkg (red)', fontsize=9)
    ax.set_axis_off()
    fig.savefig(out, bbox_inches='tight')
    plt.close(fig)


def uncertainty(raster, pred, stem, out):
    import geopandas
    import matplotlib.pyplot as plt
    import rasterio
    from rasterio.plot import plotting_extent
    with rasterio.open(osp.join(pred, f'{stem}_uncertainty.tif')) as src:
        unsure = src.read(1, masked=True)
        extent = plotting_extent(src)
    windows = geopandas.read_file(osp.join(pred, f'{stem}_to_label.gpkg'))
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    shown = ax.imshow(unsure, extent=extent, cmap='magma', vmin=0, vmax=1)
    windows.boundary.plot(ax=ax, color='cyan', linewidth=1.5)
    for _, row in windows.iterrows():
        x, y = row.geometry.exterior.coords[0]
        ax.annotate(str(row['rank']), (x, y), color='cyan', fontsize=9, va='top')
    fig.colorbar(shown, ax=ax, shrink=0.7, label='normalised entropy')
    ax.set_title(f'{stem}_uncertainty.tif and {stem}_to_label.gpkg (cyan)', fontsize=9)
    ax.set_axis_off()
    fig.savefig(out, bbox_inches='tight')
    plt.close(fig)


if __name__ == '__main__':
    main()
