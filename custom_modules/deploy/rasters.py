"""Prediction on rasters of any size, window by window, with results in map coordinates.

A raster is never read whole: windows of ``tile`` pixels overlapping by ``overlap`` are
read (``custom_modules.geo.raster``), predicted, and merged as ``--tile`` merges pictures
(objects on window borders once, logits averaged). The model's task writes its files
(``tasks``: segmentation a class GeoTIFF, detection a GeoPackage and GeoJSON of boxes,
classification a GeoPackage and CSV of windows).

Nodata is never predicted: windows of nodata only are skipped, detections centred on
nodata dropped, class pixels on nodata written as nodata.
"""
import os.path as osp
import sys
from contextlib import contextmanager

from ..geo.raster import RasterReading, gdal_cache_env, metres

DEFAULT_TILE = 512


def reading_of(spec, bands=None, scaling=None, native_resolution=False):
    """The model's raster reading (from its config's ``LoadRasterWindow``; 8-bit, first
    bands, for a model trained on pictures), with ``--bands``/``--scale`` over it. A
    percentile rule reads every raster with the numbers it gave over the training rasters.
    With the model's own scaling, rasters of another data type than the model's training
    rasters, or mostly outside its range, are refused; ``--scale`` replaces it, said.
    Rasters of another pixel size than the model's are read resampled to it, unless
    ``native_resolution``."""
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
        trained_on=trained_on if isinstance(trained_on, str) else None,
        pixel_size=ground.get('pixel_size'),
        resample=not native_resolution)


def say_resolution(source, reading):
    """One line when a raster's pixel size differs from the model's: read resampled to it,
    or (``--native-resolution``) predicted at its own; nothing otherwise."""
    if source.zoom_needed is None:
        return
    own, model = metres(source.pixel_size), metres(reading.pixel_size)
    name = osp.basename(source.path)
    if source.zoom is not None:
        print(
            f'{name}: pixels of {own} m, the model\'s {model} m: read resampled to {model} m '
            '(bilinear), outputs on the raster\'s own grid; --native-resolution predicts at '
            f'{own} m',
            file=sys.stderr)
    else:
        print(
            f'{name}: pixels of {own} m, the model\'s {model} m: predicted at {own} m '
            '(--native-resolution), objects look a different size than in training',
            file=sys.stderr)


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
                   stem=None,
                   **outputs):
    """Predict one raster into files ``<out_dir>/<stem>_...`` (``stem``: the raster's file
    name without extension); returns ``dict(raster, outputs, summary, counts)``.
    ``outputs``: the options of the task's files (see ``tasks``)."""
    with open_raster(predictor, path, reading, tile, overlap, outputs) as (source, tile, overlap):
        stem = osp.join(out_dir, stem or osp.splitext(osp.basename(path))[0])
        return predictor.task.predict_raster(predictor, source, stem, tile, overlap, score_thr,
                                             **outputs)


@contextmanager
def open_raster(predictor, path, reading, tile, overlap, outputs, say=True):
    """The raster at ``path`` open for ``predictor``'s task (its options checked; with
    ``say``, one line about its pixel size or missing CRS), with the window side and
    overlap to use: ``(source, tile, overlap)``."""
    task = predictor.task
    tile = raster_tile(predictor.spec, tile)
    overlap = task.tiling(tile, overlap, rasters=True)
    task.check_outputs(outputs)
    with gdal_cache_env(path), reading.open(path) as source:
        if say:
            say_resolution(source, reading)
        if say and not source.georeferenced:
            print(
                f'WARNING: {path} has no CRS: its results are in pixel coordinates',
                file=sys.stderr)
        yield source, tile, overlap


def row_blocks(source, tile, overlap, rows_per_block):
    """The raster rows ``(y0, y1)`` of blocks of ``rows_per_block`` rows of windows, top to
    bottom, together the whole raster: a block starts at the top of its first row of
    windows (``Task.predict_part`` predicts the windows of each apart)."""
    tops = sorted({box[1] for box in source.windows(tile, overlap)})
    starts = tops[::max(1, rows_per_block)]
    starts[0] = 0
    return list(zip(starts, starts[1:] + [source.height]))


def windows_starting_in(source, tile, overlap, rows=None):
    """The windows of the prediction grid whose top lies in ``rows`` (``(y0, y1)``; None:
    all): the windows of one block, each window in one block."""
    boxes = source.windows(tile, overlap)
    if rows is None:
        return boxes
    return [box for box in boxes if rows[0] <= box[1] < rows[1]]
