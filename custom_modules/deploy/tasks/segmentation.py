"""Segmentation: a class for every pixel; on rasters, a class GeoTIFF (and probabilities)."""
import os.path as osp

import cv2
import numpy as np

from ...errors import ZooError
from .. import augment, drawing, processing
from .base import Task


class Segmentation(Task):
    name = 'segmentation'
    raster_outputs = ('probabilities', 'min_area', 'boundary', 'uncertainty', 'suggest')

    def postprocess(self, outputs, meta):
        return processing.segment(processing.segment_logits(outputs[0], meta), self.spec)

    def logits(self, predictor, img):
        """Logits of ``img`` (C x H x W), averaged over the views and networks of
        ``predictor``."""
        found = [
            augment.logits_back(processing.segment_logits(outputs[0], meta), view)
            for view, outputs, meta in predictor.each_view(img)
        ]
        return found[0] if len(found) == 1 else np.mean(found, axis=0)

    def merge_views(self, predictor, img):
        return processing.segment(self.logits(predictor, img), self.spec)

    def predict_tiled(self, predictor, img, tile, overlap):
        """Logits of overlapping windows averaged where they overlap."""
        height, width = img.shape[:2]
        total, count = None, np.zeros((height, width), np.float32)
        for x0, y0, x1, y1 in processing.windows(height, width, tile, overlap):
            logits = self.logits(predictor, img[y0:y1, x0:x1])
            if total is None:
                total = np.zeros((len(logits), height, width), np.float32)
            total[:, y0:y1, x0:x1] += logits
            count[y0:y1, x0:x1] += 1
        return processing.segment(total / count, self.spec)

    def picture_results(self, out_dir, score_thr=None):
        return _Pictures(self, out_dir)

    def predict_part(self,
                     predictor,
                     source,
                     stem,
                     tile,
                     overlap,
                     rows=None,
                     probabilities=False,
                     min_area=0.0,
                     boundary=None,
                     uncertainty=False,
                     suggest=0):
        """Raster rows ``rows`` (``(y0, y1)``; None: all) of the class raster, written to
        ``<name>_classes.tif`` (all rows) or ``<name>.rows<y0>-<y1>_classes.tif`` (a block;
        :meth:`finish_raster` joins them), with the probabilities, boundary level and
        uncertainty rasters asked for. Each pixel averages the logits of every window
        covering it, so a block also predicts the windows of its neighbours that reach into
        it. Windows are read in rows, so that memory holds one row of windows and their
        summed logits. Returns ``dict(files, rows, counts)``."""
        from ...geo.outputs import ClassRasterWriter
        from ...geo.raster import pipeline_order
        if not (isinstance(suggest, int) and suggest >= 0):
            raise ZooError(f'--suggest {suggest}: give how many windows to suggest, 1 or more')
        pair = self.boundary_classes(boundary)
        ya, yb = rows or (0, source.height)
        part = stem if rows is None else f'{stem}.rows{ya}-{yb}'
        files = _files(part, probabilities, pair, uncertainty or suggest)
        writer = ClassRasterWriter(files['classes'], _strip(source, ya, yb), self.classes,
                                   files.get('probs'), files.get('boundary'),
                                   files.get('uncertainty'))
        counts = np.zeros(len(self.classes), np.int64)
        # rows [top, top + len(seen)) accumulate: summed logits, windows seen, data (not nodata)
        top, total, seen, data = None, None, None, None
        window_rows = [
            row for row in _rows(source, tile, overlap)
            if row[0][1] < yb and max(box[3] for box in row) > ya
        ]
        try:
            for r, row in enumerate(window_rows):
                top = row[0][1] if top is None else top
                bottom = max(box[3] for box in row)
                if total is not None and bottom - top > seen.shape[0]:
                    grow = bottom - top - seen.shape[0]
                    total, seen, data = (_grown(a, grow) for a in (total, seen, data))
                for x0, y0, x1, y1 in row:
                    image, valid = source.read(x0, y0, x1, y1)
                    if not valid.any():
                        continue
                    logits = self.logits(predictor, pipeline_order(image))
                    if source.zoom is not None:  # read resampled: back on the raster's grid
                        logits = _resized(logits, y1 - y0, x1 - x0)
                        valid = source.valid(x0, y0, x1, y1)
                    if total is None:
                        total = np.zeros((len(logits), bottom - top, source.width), np.float32)
                        seen = np.zeros((bottom - top, source.width), np.float32)
                        data = np.zeros((bottom - top, source.width), bool)
                    total[:, y0 - top:y1 - top, x0:x1] += logits
                    seen[y0 - top:y1 - top, x0:x1] += 1
                    data[y0 - top:y1 - top, x0:x1] |= valid
                # rows [top, done) are finished; this part writes those in [ya, yb)
                done = window_rows[r + 1][0][1] if r + 1 < len(window_rows) else yb
                first, last = max(top, ya) - top, min(done, yb) - top
                if last > first and total is None:  # nothing but nodata so far
                    blank = np.zeros((last - first, source.width), np.uint8)
                    writer.write(top + first - ya, blank, blank.astype(bool))
                elif last > first:
                    logits = total[:, first:last] / np.maximum(seen[first:last], 1)
                    counts += self._finish_rows(writer, top + first - ya, logits, data[first:last],
                                                pair)
                if total is not None:
                    n = done - top
                    total, seen, data = total[:, n:], seen[n:], data[n:]
                top = done
        finally:
            writer.close()
        return dict(files=files, rows=(ya, yb), counts=counts)

    def finish_raster(self,
                      source,
                      stem,
                      parts,
                      tile,
                      score_thr=None,
                      probabilities=False,
                      min_area=0.0,
                      boundary=None,
                      uncertainty=False,
                      suggest=0):
        """``<name>_classes.tif`` (class indices, uint8, nodata 255, the source's CRS and
        transform), with ``probabilities`` ``<name>_probs.tif``, and ``<name>_classes.gpkg``,
        the class map as polygons (``geo.outputs.class_polygons``; patches under
        ``min_area`` m² left out), and for a model with a water class, or the classes of
        ``boundary``, ``<name>_shoreline.gpkg``: the boundary as lines at sub-pixel
        precision (:meth:`boundary_level`). With ``uncertainty`` (or ``suggest``)
        ``<name>_uncertainty.tif``: the normalised entropy of each pixel's class
        probabilities (averaged over the TTA views and ensemble members), and with
        ``suggest`` N, ``<name>_to_label.gpkg``: the N windows (``tile`` pixels, side by
        side) of highest mean uncertainty, to label next. ``parts`` of row blocks are
        joined into these files first."""
        import os

        from ...geo.outputs import boundary_lines, class_polygons, join_rows, uncertain_windows
        classes = self.classes
        pair = self.boundary_classes(boundary)
        files = _files(stem, probabilities, pair, uncertainty or suggest)
        if [p['files'] for p in parts] != [files]:  # row blocks, each in its own files
            for key, path in files.items():
                join_rows(path, source, [(p['files'][key], p['rows'][0]) for p in parts])
        counts = sum(p['counts'] for p in parts)
        out, polygons = files['classes'], f'{stem}_classes.gpkg'
        found = class_polygons(out, classes, polygons, min_area)
        outputs, lines = [out, polygons], ''
        if probabilities:
            outputs.append(files['probs'])
        if pair:
            shoreline = f'{stem}_shoreline.gpkg'
            count = boundary_lines(files['boundary'], shoreline)
            os.remove(files['boundary'])
            outputs.append(shoreline)
            lines = f', {count} boundary lines in {shoreline}'
        if uncertainty or suggest:
            outputs.append(files['uncertainty'])
        if suggest:
            to_label = f'{stem}_to_label.gpkg'
            chosen = uncertain_windows(files['uncertainty'], source.native_side(tile), suggest,
                                       to_label)
            outputs.append(to_label)
            lines += f', the {chosen} most uncertain windows in {to_label}'
        shares = pixel_shares(classes, counts)
        return dict(
            raster=source.path,
            outputs=outputs,
            counts=dict(zip(classes, counts.tolist())),
            summary=f'{osp.basename(source.path)}: {out} (pixel shares {shares}), '
            f'{found} polygons in {polygons}{lines}')

    def boundary_classes(self, boundary=None):
        """``(a, b)`` class indices of the boundary to trace (``b`` None: ``a`` against the
        rest): ``boundary`` (one or two class names), else a class named water, else None."""
        names = [c.lower() for c in self.classes]
        if not boundary:
            return (names.index('water'), None) if 'water' in names else None
        unknown = [c for c in boundary if c.lower() not in names]
        if unknown or len(boundary) > 2:
            raise ZooError(f'--boundary {" ".join(boundary)}: give one or two of the classes '
                           f'{self.classes}')
        indices = [names.index(c.lower()) for c in boundary]
        return indices[0], (indices[1] if len(indices) == 2 else None)

    @staticmethod
    def boundary_level(probs, pair):
        """The value whose 0 contour is the boundary of ``pair`` (``boundary_classes``):
        P(a) - 0.5 (a against the rest), or P(a) - P(b) where a or b is the most probable
        class (NaN elsewhere)."""
        a, b = pair
        if b is None:
            return probs[a] - 0.5
        top = probs.argmax(axis=0)
        return np.where((top == a) | (top == b), probs[a] - probs[b], np.nan)

    def _finish_rows(self, writer, top, logits, valid, pair=None):
        """Write finished rows from ``top`` (their averaged logits; ``valid``: False on
        nodata and where no window was predicted); returns the class pixel counts written."""
        mask = processing.segment(logits, self.spec)['mask']
        probs = level = unsure = None
        if any(w is not None for w in (writer.probs, writer.boundary, writer.uncertainty)):
            probs = processing.probabilities(logits)
        if writer.boundary is not None:
            level = self.boundary_level(probs, pair)
        if writer.uncertainty is not None:
            unsure = processing.normalised_entropy(probs)
        writer.write(top, mask, valid, probs, level, unsure)
        return np.bincount(mask[valid], minlength=len(writer.classes))[:len(writer.classes)]


def pixel_shares(classes, counts):
    """``{class: share of the pixels}`` from pixel counts, as the summaries say them."""
    return dict(zip(classes, (counts / max(counts.sum(), 1)).round(4).tolist()))


def _files(stem, probabilities, pair, uncertainty):
    """The rasters a prediction of ``stem`` writes: ``{'classes', 'probs', 'boundary',
    'uncertainty': path}``, those asked for."""
    files = dict(classes=f'{stem}_classes.tif')
    if probabilities:
        files['probs'] = f'{stem}_probs.tif'
    if pair:
        files['boundary'] = f'{stem}_boundary.tmp.tif'
    if uncertainty:
        files['uncertainty'] = f'{stem}_uncertainty.tif'
    return files


def _strip(source, y0, y1):
    """The frame (size, CRS, transform) of raster rows ``[y0, y1)`` of ``source``."""
    from types import SimpleNamespace

    from affine import Affine
    return SimpleNamespace(
        width=source.width,
        height=y1 - y0,
        crs=source.crs,
        transform=source.transform @ Affine.translation(0, y0))


def _rows(source, tile, overlap):
    """Windows ``(x0, y0, x1, y1)`` grouped in rows (one list per window top)."""
    rows = {}
    for box in source.windows(tile, overlap):
        rows.setdefault(box[1], []).append(box)
    return [rows[y] for y in sorted(rows)]


def _resized(logits, height, width):
    """``C x h x w`` logits -> ``C x height x width`` (bilinear)."""
    if logits.shape[1:] == (height, width):
        return logits
    return np.stack([
        cv2.resize(channel, (width, height), interpolation=cv2.INTER_LINEAR) for channel in logits
    ])


def _grown(array, rows):
    """``array`` with ``rows`` more rows of zeros (its second-last axis)."""
    extra = np.zeros((*array.shape[:-2], rows, array.shape[-1]), array.dtype)
    return np.concatenate([array, extra], axis=-2)


class _Pictures:
    """``<name>_mask.png`` (class indices) and ``<name>_overlay.png`` of each picture."""

    def __init__(self, task, out_dir):
        self.classes, self.palette, self.out_dir = task.classes, task.spec.get('palette'), out_dir
        self.counts = np.zeros(max(len(self.classes), 1))

    def add(self, path, img, pred):
        stem = osp.splitext(osp.basename(path))[0]
        cv2.imwrite(osp.join(self.out_dir, f'{stem}_mask.png'), pred['mask'])
        cv2.imwrite(
            osp.join(self.out_dir, f'{stem}_overlay.png'),
            drawing.overlay(img, pred['mask'], self.palette))
        counts = self.counts
        counts += np.bincount(pred['mask'].ravel(), minlength=len(counts))[:len(counts)]

    def finish(self):
        counts = self.counts
        shares = pixel_shares(self.classes, counts)
        return f'masks and overlays in {self.out_dir}; pixel shares: {shares}'
