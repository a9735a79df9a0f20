"""Real georeferenced data for the raster path: the NEON orthophoto GeoTIFF DeepForest ships.

    python tools/dataset_converters/neon_osbs_raster.py [--out data/neon-osbs]
        [--wheel deepforest-2.1.0-py3-none-any.whl]

The deepforest package (MIT licence, https://github.com/weecology/DeepForest) carries
``OSBS_029.tif``: a 400 x 400 px RGB GeoTIFF of NEON's airborne orthophotos (10 cm, WGS 84 /
UTM zone 17N, Ordway-Swisher Biological Station, Florida), with its tree crowns hand-drawn
as pixel boxes in ``OSBS_029.csv``. NEON released its data under CC0 1.0 (from 2026 under CC
BY 4.0: credit NEON). This script fetches the wheel with pip (no install) and writes:

- ``OSBS_029.tif``: the GeoTIFF as shipped (its CRS, transform and nodata);
- ``OSBS_029_crowns.gpkg``: the crowns as polygons in map coordinates (layer ``crowns``,
  field ``class``), each box taken through the raster's own geotransform: labels as a GIS
  user holds them.
"""
import csv
import io
import os
import os.path as osp

from pypi_wheel import converter_main, read_member

VERSION = '2.1.0'
SCENE = 'OSBS_029'


def convert(wheel, out):
    import geopandas
    import rasterio
    from shapely.geometry import box
    os.makedirs(out, exist_ok=True)
    raster = osp.join(out, f'{SCENE}.tif')
    with open(raster, 'wb') as f:
        f.write(read_member(wheel, f'deepforest/data/{SCENE}.tif'))
    rows = list(
        csv.DictReader(io.StringIO(read_member(wheel, f'deepforest/data/{SCENE}.csv').decode())))
    with rasterio.open(raster) as ds:
        transform, crs = ds.transform, ds.crs
    crowns = [
        box(*(transform @ (float(r['xmin']), float(r['ymax']))),
            *(transform @ (float(r['xmax']), float(r['ymin'])))) for r in rows
    ]
    labels = osp.join(out, f'{SCENE}_crowns.gpkg')
    geopandas.GeoDataFrame({
        'class': [r['label'].lower() for r in rows]
    }, geometry=crowns, crs=crs).to_file(
        labels, layer='crowns')
    print(f'{raster} ({crs.to_string()}) and {len(crowns)} crowns in {labels}')


def main():
    converter_main(__doc__, 'deepforest', VERSION, convert, out='data/neon-osbs')


if __name__ == '__main__':
    main()
