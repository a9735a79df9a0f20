"""Prediction on rasters of any size, window by window, with results in map coordinates.

A raster is never read whole: windows of ``tile`` pixels overlapping by ``overlap`` are
read (``custom_modules.geo.raster``), predicted, and merged as ``--tile`` merges pictures
(objects on window borders once, logits averaged), in rows, so memory holds one row of
windows. Each raster gets:

- segmentation: ``<name>_classes.tif`` (class indices, uint8, nodata 255, the source's CRS
  and transform, tiled and compressed) and with ``probabilities`` ``<name>_probs.tif``;
- detection: ``<name>_detections.gpkg`` (box polygons with class and score in the
  raster's CRS) and ``<name>_detections.geojson`` (WGS 84);
- classification: ``<name>_windows.gpkg`` (each window's polygon, class, score) and
  ``<name>_windows.csv`` (centre x, y in map coordinates, class, score).

Nodata is never predicted: windows of nodata only are skipped, detections centred on
nodata dropped, class pixels on nodata written as nodata.
"""
import csv
import os
import os.path as osp
import sys

import numpy as np

from ..errors import ZooError
from ..geo.raster import RasterReading, import_rasterio, pipeline_order
from . import processing

DEFAULT_TILE = 512
# GDAL keeps decoded blocks of every raster it reads or writes in one cache, by default 5 %
# of the machine's memory (6 GB on a 128 GB node): bounded here, so that a raster read once
# from top to bottom costs a strip of memory, not a cache that grows with it. GDAL_CACHEMAX
# in the environment wins.
GDAL_CACHE_MB = 256


def reading_of(spec, bands=None, scaling=None):
    """The model's raster reading (from its config's ``LoadRasterWindow``; 8-bit, first
    bands, for a model trained on pictures), with ``--bands``/``--scale`` over it."""
    stated = dict(spec['input'].get('raster') or {})
    if bands:
        stated['bands'] = bands
    if scaling is not None:
        stated['scaling'] = scaling
    return RasterReading(
        bands=stated.get('bands'),
        scaling=stated.get('scaling'),
        nodata=stated.get('nodata'),
        channels=len(spec['input']['mean']))


def raster_tile(spec, tile):
    """Window side for a raster: ``--tile``, else the model's input size (no rescaling)."""
    if tile:
        return tile
    size = spec['input'].get('size')
    return max(size) if size else DEFAULT_TILE


def _rows(source, tile, overlap):
    """Windows ``(x0, y0, x1, y1)`` grouped in rows (one list per window top)."""
    rows = {}
    for box in processing.windows(source.height, source.width, tile, overlap):
        rows.setdefault(box[1], []).append(box)
    return [rows[y] for y in sorted(rows)]


def predict_raster(predictor,
                   path,
                   reading,
                   out_dir,
                   tile=None,
                   overlap=64,
                   score_thr=None,
                   probabilities=False):
    """Predict one raster; returns ``dict(raster, outputs, summary, counts)``."""
    spec = predictor.spec
    tile = raster_tile(spec, tile or predictor.tile)
    if spec['task'] != 'classification' and not 0 <= overlap < tile:
        raise ZooError(f'--overlap {overlap} must be at least 0 and less than the window {tile}')
    stem = osp.join(out_dir, osp.splitext(osp.basename(path))[0])
    cache = {} if 'GDAL_CACHEMAX' in os.environ else dict(GDAL_CACHEMAX=GDAL_CACHE_MB)
    with import_rasterio().Env(**cache), reading.open(path) as source:
        if not source.georeferenced:
            print(
                f'WARNING: {path} has no CRS: its results are in pixel coordinates',
                file=sys.stderr)
        task = spec['task']
        if task == 'segmentation':
            return _segment(predictor, source, stem, tile, overlap, probabilities)
        if task == 'detection':
            return _detect(predictor, source, stem, tile, overlap, score_thr)
        if task == 'classification':
            return _classify(predictor, source, stem, tile)
        raise ZooError(f'rasters: a {task} model has no map output; predict pictures instead')


def _segment(predictor, source, stem, tile, overlap, probabilities):
    from ..geo.outputs import ClassRasterWriter
    classes = predictor.spec.get('classes') or []
    out = f'{stem}_classes.tif'
    writer = ClassRasterWriter(out, source, classes, f'{stem}_probs.tif' if probabilities else None)
    counts = np.zeros(len(classes), np.int64)
    # rows [top, top + len(seen)) accumulate: summed logits, windows seen, data (not nodata)
    top, total, seen, data = 0, None, None, None
    rows = _rows(source, tile, overlap)
    try:
        for r, row in enumerate(rows):
            bottom = max(box[3] for box in row)
            if total is not None and bottom - top > seen.shape[0]:
                grow = bottom - top - seen.shape[0]
                total, seen, data = (_grown(a, grow) for a in (total, seen, data))
            for x0, y0, x1, y1 in row:
                image, valid = source.read(x0, y0, x1, y1)
                if not valid.any():
                    continue
                logits = predictor.logits(pipeline_order(image))
                if total is None:
                    total = np.zeros((len(logits), bottom - top, source.width), np.float32)
                    seen = np.zeros((bottom - top, source.width), np.float32)
                    data = np.zeros((bottom - top, source.width), bool)
                total[:, y0 - top:y1 - top, x0:x1] += logits
                seen[y0 - top:y1 - top, x0:x1] += 1
                data[y0 - top:y1 - top, x0:x1] |= valid
            done = rows[r + 1][0][1] if r + 1 < len(rows) else source.height
            if total is None:  # nothing but nodata so far
                blank = np.zeros((done - top, source.width), np.uint8)
                writer.write(top, blank, blank.astype(bool))
            else:
                n = done - top
                counts += _finish(predictor, writer, top, total[:, :n] / np.maximum(seen[:n], 1),
                                  data[:n])
                total, seen, data = total[:, n:], seen[n:], data[n:]
            top = done
    finally:
        writer.close()
    shares = dict(zip(classes, (counts / max(counts.sum(), 1)).round(4).tolist()))
    return dict(
        raster=source.path,
        outputs=[out],
        counts=dict(zip(classes, counts.tolist())),
        summary=f'{osp.basename(source.path)}: {out} (pixel shares {shares})')


def _grown(array, rows):
    """``array`` with ``rows`` more rows of zeros (its second-last axis)."""
    extra = np.zeros((*array.shape[:-2], rows, array.shape[-1]), array.dtype)
    return np.concatenate([array, extra], axis=-2)


def _finish(predictor, writer, top, logits, valid):
    """Write finished rows from ``top`` (their averaged logits; ``valid``: False on nodata
    and where no window was predicted); returns the class pixel counts written."""
    mask = processing.segment(logits, predictor.spec)['mask']
    probs = None
    if writer.probs is not None:
        probs = processing.probabilities(logits)
    writer.write(top, mask, valid, probs)
    return np.bincount(mask[valid], minlength=len(writer.classes))[:len(writer.classes)]


def _detect(predictor, source, stem, tile, overlap, score_thr):
    from ..geo.outputs import pixel_boxes_to_map, write_layer
    spec = predictor.spec
    classes = spec.get('classes') or []
    per_tile = []
    for x0, y0, x1, y1 in processing.windows(source.height, source.width, tile, overlap):
        image, valid = source.read(x0, y0, x1, y1)
        if not valid.any():
            continue
        det = predictor.predict_whole(pipeline_order(image))
        cx = ((det['boxes'][:, 0] + det['boxes'][:, 2]) / 2).astype(int).clip(0, x1 - x0 - 1)
        cy = ((det['boxes'][:, 1] + det['boxes'][:, 3]) / 2).astype(int).clip(0, y1 - y0 - 1)
        on_data = valid[cy, cx]
        per_tile.append(((x0, y0, x1, y1), {k: v[on_data] for k, v in det.items()}))
    if per_tile:
        merged = processing.merge_tile_detections(per_tile, source.height, source.width,
                                                  spec['postprocess']['iou_threshold'])
    else:
        merged = dict(boxes=np.zeros((0, 4), np.float32), scores=np.zeros(0), labels=np.zeros(0))
    thresholds = processing.score_thresholds(spec, score_thr)
    keep = processing.passing(merged, thresholds, classes)
    boxes, scores = merged['boxes'][keep], merged['scores'][keep]
    labels = merged['labels'][keep].astype(int)
    names = [classes[i] for i in labels]
    out, geojson = f'{stem}_detections.gpkg', f'{stem}_detections.geojson'
    write_layer(
        dict(
            raster=[osp.basename(source.path)] * len(boxes),
            label=names,
            score=scores.astype(np.float64).round(4)), pixel_boxes_to_map(boxes, source.transform),
        source.crs, out, 'detections', geojson if source.georeferenced else None)
    counts = {c: names.count(c) for c in classes}
    return dict(
        raster=source.path,
        outputs=[out] + ([geojson] if source.georeferenced else []),
        counts=counts,
        summary=f'{osp.basename(source.path)}: {len(boxes)} boxes (score >= '
        f'{processing.describe_thresholds(thresholds)}) {counts} in {out}')


def _classify(predictor, source, stem, tile):
    from ..geo.outputs import pixel_boxes_to_map, write_layer
    classes = predictor.spec.get('classes') or []
    found, rows = [], []
    for x0, y0, x1, y1 in processing.windows(source.height, source.width, tile, 0):
        image, valid = source.read(x0, y0, x1, y1)
        if valid.mean() < 0.5:  # a window mostly of nodata says nothing of a class
            continue
        pred = predictor.predict_whole(pipeline_order(image))
        cx, cy = source.transform @ ((x0 + x1) / 2, (y0 + y1) / 2)
        found.append((x0, y0, x1, y1))
        rows.append((cx, cy, classes[pred['label']], round(pred['score'], 4)))
    out, table = f'{stem}_windows.gpkg', f'{stem}_windows.csv'
    with open(table, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['x', 'y', 'class', 'score'])
        writer.writerows(rows)
    write_layer(
        dict(label=[r[2] for r in rows], score=[r[3] for r in rows]),
        pixel_boxes_to_map(np.float64(found).reshape(-1, 4), source.transform), source.crs, out,
        'windows')
    counts = {c: sum(r[2] == c for r in rows) for c in classes}
    return dict(
        raster=source.path,
        outputs=[out, table],
        counts=counts,
        summary=f'{osp.basename(source.path)}: {len(rows)} windows of {tile} px '
        f'classified {counts}; {out}, {table}')
