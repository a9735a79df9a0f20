"""Prediction on rasters of any size, window by window, with results in map coordinates.

A raster is never read whole: windows of ``tile`` pixels overlapping by ``overlap`` are
read (``custom_modules.geo.raster``), predicted, and merged as ``--tile`` merges pictures
(objects on window borders once, logits averaged). The model's task writes its files
(``tasks``: segmentation a class GeoTIFF, detection a GeoPackage and GeoJSON of boxes,
classification a GeoPackage and CSV of windows).

Nodata is never predicted: windows of nodata only are skipped, detections centred on
nodata dropped, class pixels on nodata written as nodata.
"""
import os
import os.path as osp
import sys

from ..geo.raster import RasterReading, import_rasterio

DEFAULT_TILE = 512
# GDAL keeps decoded blocks of every raster it reads or writes in one cache, by default 5 %
# of the machine's memory (6 GB on a 128 GB node): bounded here, so that a raster read once
# from top to bottom costs a strip of memory, not a cache that grows with it. GDAL_CACHEMAX
# in the environment wins.
GDAL_CACHE_MB = 256


def reading_of(spec, bands=None, scaling=None):
    """The model's raster reading (from its config's ``LoadRasterWindow``; 8-bit, first
    bands, for a model trained on pictures), with ``--bands``/``--scale`` over it. A
    percentile rule reads every raster with the numbers it gave over the training rasters.
    With the model's own scaling, rasters of another data type than the model's training
    rasters, or mostly outside its range, are refused; ``--scale`` replaces it, said."""
    stated = dict(spec['input'].get('raster') or {})
    ground = stated.get('trained_on') or {}
    trained_on = ground.get('dtype')
    if ground.get('scaling') and isinstance(stated.get('scaling'), dict) \
            and stated['scaling'].get('type') == 'percentile':
        stated['scaling'] = ground['scaling']  # the training rasters' numbers, not each raster's
    if bands:
        stated['bands'] = bands
    if scaling is not None:
        if stated.get('scaling') != scaling:
            print(
                f'--scale {scaling}: rasters are scaled so, not as the model was trained '
                f'({stated.get("scaling") or "8-bit as is"})',
                file=sys.stderr)
        stated['scaling'] = scaling
        trained_on = None
    return RasterReading(
        bands=stated.get('bands'),
        scaling=stated.get('scaling'),
        nodata=stated.get('nodata'),
        channels=len(spec['input']['mean']),
        trained_on=trained_on if isinstance(trained_on, str) else None)


def raster_tile(spec, tile):
    """Window side for a raster: ``--tile``, else the model's input size (no rescaling)."""
    if tile:
        return tile
    size = spec['input'].get('size')
    return max(size) if size else DEFAULT_TILE


def predict_raster(predictor,
                   path,
                   reading,
                   out_dir,
                   tile=None,
                   overlap=None,
                   score_thr=None,
                   **outputs):
    """Predict one raster; returns ``dict(raster, outputs, summary, counts)``. ``outputs``:
    the options of the task's files (see ``tasks``)."""
    task = predictor.task
    tile = raster_tile(predictor.spec, tile)
    overlap = task.tiling(tile, overlap, rasters=True)
    task.check_outputs(outputs)
    stem = osp.join(out_dir, osp.splitext(osp.basename(path))[0])
    cache = {} if 'GDAL_CACHEMAX' in os.environ else dict(GDAL_CACHEMAX=GDAL_CACHE_MB)
    with import_rasterio().Env(**cache), reading.open(path) as source:
        if not source.georeferenced:
            print(
                f'WARNING: {path} has no CRS: its results are in pixel coordinates',
                file=sys.stderr)
        return task.predict_raster(predictor, source, stem, tile, overlap, score_thr, **outputs)
