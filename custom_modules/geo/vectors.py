"""Labels in map coordinates (GeoPackage, GeoJSON, shapefile: any file pyogrio reads), brought
into a raster's pixels: read, checked, repaired, reprojected, and given class indices."""
import os.path as osp
import sys

import numpy as np

from ..errors import ZooError


def _geopandas():
    try:
        import geopandas
    except ImportError:
        raise ZooError('reading vector labels needs geopandas: pip install -r '
                       'requirements/runtime.txt (tools/install.sh installs it)') from None
    return geopandas


def read_labels(path, raster, classes, class_field=None, background=None):
    """The geometries of ``path`` in the CRS of ``raster`` (a :class:`RasterSource`) with a
    ``label`` column (index into ``classes``); one-line errors for what cannot be used.

    ``class_field`` names the attribute holding class names (None: every geometry is
    ``classes[0]``, or, where ``background`` is the index of the class of the pixels
    outside every label (segmentation), the other of two classes). Invalid geometries
    are repaired (``make_valid``) and counted; empty ones are dropped."""
    geopandas = _geopandas()
    if not osp.isfile(path):
        raise ZooError(f'no such vector file: {path}')
    try:
        frame = geopandas.read_file(path)
    except Exception as err:  # pyogrio raises its own DataSourceError, among others
        raise ZooError(f'{path}: not a vector file pyogrio can read ({err})') from None
    if not len(frame):
        raise ZooError(f'{path} holds no features: there is nothing to train on')
    if raster.crs is None:
        raise ZooError(f'{raster.path} has no CRS, so the labels of {path} cannot be placed on '
                       'it: georeference the raster (QGIS: Georeferencer; GDAL: gdal_edit.py '
                       '-a_srs -a_ullr) or convert the labels to pixel coordinates')
    if frame.crs is None:
        raise ZooError(f'{path} has no CRS, so it cannot be reprojected to the raster\'s '
                       f'({raster.crs.to_string()}): set the layer\'s CRS (QGIS: Set Layer '
                       'CRS; geopandas: set_crs) and save it again')
    labels = _class_labels(frame, path, classes, class_field, background)
    frame = frame.assign(label=labels)
    frame = _repaired(frame, path)
    source_crs = frame.crs.to_string()
    if frame.crs != raster.crs:
        print(
            f'{osp.basename(path)}: labels reprojected from {frame.crs.to_string()} to the '
            f"raster's {raster.crs.to_string()}",
            file=sys.stderr)
        frame = frame.to_crs(raster.crs)
    x0, y0, x1, y1 = frame.total_bounds
    if not np.isfinite([x0, y0, x1, y1]).all():
        raise ZooError(f'{path}: its coordinates do not fit its CRS ({source_crs}; a GeoJSON '
                       'without a "crs" member is read as WGS 84 degrees, as RFC 7946 says): '
                       'set the layer\'s real CRS and save it again, e.g. as a GeoPackage')
    rx0, ry0, rx1, ry1 = raster_bounds(raster)
    if x1 < rx0 or x0 > rx1 or y1 < ry0 or y0 > ry1:
        raise ZooError(f'{path} (bounds {x0:.1f}, {y0:.1f}, {x1:.1f}, {y1:.1f}) does not '
                       f'overlap {raster.path} (bounds {rx0:.1f}, {ry0:.1f}, {rx1:.1f}, '
                       f'{ry1:.1f}, in {raster.crs.to_string()}): pair each raster with its '
                       'own labels')
    return frame[['label', 'geometry']]


def raster_bounds(raster):
    """(xmin, ymin, xmax, ymax) of the raster in its CRS."""
    corners = [raster.transform @ (c, r) for c in (0, raster.width) for r in (0, raster.height)]
    xs, ys = zip(*corners)
    return min(xs), min(ys), max(xs), max(ys)


def _class_labels(frame, path, classes, class_field, background):
    classes = [str(c) for c in classes]
    if class_field is None:
        if background is None:
            return np.zeros(len(frame), np.int64)
        if len(classes) != 2:
            raise ZooError(f'{path}: without class_field every label is one class, so the '
                           f'classes must be two (where no label lies, and the labels), not '
                           f'{classes}; or name the field that holds class names')
        return np.full(len(frame), 1 - background, np.int64)
    if class_field not in frame.columns:
        fields = [c for c in frame.columns if c != 'geometry']
        raise ZooError(f'{path} has no field {class_field!r} (its fields: {fields}); set '
                       'class_field to the one that holds the class names')
    names = frame[class_field].astype(str).tolist()
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise ZooError(f'{path}: {class_field} values {unknown[:10]} are not in the classes '
                       f'{classes}; add them to metainfo.classes or remove those features')
    return np.array([classes.index(n) for n in names], np.int64)


def _repaired(frame, path):
    from shapely import make_valid
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        frame = frame.copy()
        frame.loc[invalid, 'geometry'] = frame.geometry[invalid].apply(make_valid)
        print(
            f'{osp.basename(path)}: repaired {int(invalid.sum())} invalid geometries '
            f'(features {np.flatnonzero(invalid.to_numpy())[:10].tolist()}...) with make_valid',
            file=sys.stderr)
    empty = frame.geometry.is_empty | frame.geometry.isna()
    if empty.any():
        print(f'{osp.basename(path)}: dropped {int(empty.sum())} empty geometries', file=sys.stderr)
        frame = frame[~empty]
    return frame


def to_pixels(geometry, transform):
    """A shapely geometry in map coordinates -> the same in pixel coordinates of the raster
    with affine ``transform`` (column, row; may be fractional)."""
    from shapely import affinity
    inverse = ~transform
    return affinity.affine_transform(
        geometry, [inverse.a, inverse.b, inverse.d, inverse.e, inverse.c, inverse.f])
