"""Classification: a class and its score for each picture, or for each window of a raster."""
import os.path as osp

import cv2
import numpy as np

from ...errors import ZooError
from .. import drawing, processing
from .base import Task, write_csv


class Classification(Task):
    name = 'classification'

    def tiling(self, tile, overlap, rasters=False):
        """Rasters: windows side by side (no overlap); pictures are seen whole."""
        if tile and not rasters:
            raise ZooError('--tile: a classification model sees whole pictures; --tile '
                           'sets the classified windows of rasters only')
        return 0

    def postprocess(self, outputs, meta):
        return processing.classify(outputs[0], self.spec)

    def merge_views(self, predictor, img):
        probs = np.mean([outputs[0] for _, outputs, _ in predictor.each_view(img)], axis=0)
        return processing.classify(probs, self.spec)

    def picture_results(self, out_dir, score_thr=None):
        return _Pictures(self.classes, out_dir)

    def predict_part(self, predictor, source, stem, tile, overlap, rows=None):
        """The windows of ``tile`` side by side (no overlap) starting in ``rows``, each
        ``((x0, y0, x1, y1), (x, y, class, score))`` (the centre in map coordinates); a
        window mostly of nodata is not classified."""
        from ...geo.raster import pipeline_order
        from ..rasters import windows_starting_in
        found = []
        for x0, y0, x1, y1 in windows_starting_in(source, tile, 0, rows):
            image, valid = source.read(x0, y0, x1, y1)
            if valid.mean() < 0.5:  # a window mostly of nodata says nothing of a class
                continue
            pred = predictor.predict_whole(pipeline_order(image))
            cx, cy = source.transform @ ((x0 + x1) / 2, (y0 + y1) / 2)
            found.append(
                ((x0, y0, x1, y1), (cx, cy, self.classes[pred['label']], round(pred['score'], 4))))
        return found

    def finish_raster(self, source, stem, parts, tile, score_thr=None):
        """``<name>_windows.gpkg`` (each window's polygon, class, score) and
        ``<name>_windows.csv`` (centre x, y in map coordinates, class, score)."""
        from ...geo.outputs import pixel_boxes_to_map, write_layer
        classes = self.classes
        windows = [w for part in parts for w in part]
        found, rows = [box for box, _ in windows], [row for _, row in windows]
        out, table = f'{stem}_windows.gpkg', f'{stem}_windows.csv'
        write_csv(table, ['x', 'y', 'class', 'score'], rows)
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

    def finish_rasters(self, done, out_dir):
        write_counts(done, out_dir)


def write_counts(done, out_dir):
    """``counts.csv`` (raster, class, count) of rasters predicted by classes or boxes."""
    write_csv(
        osp.join(out_dir, 'counts.csv'), ['raster', 'class', 'count'],
        [[osp.basename(d['raster']), c, n] for d in done for c, n in d['counts'].items()])


class _Pictures:
    """``predictions.csv`` (file, class, score, top-k), each picture with its class
    written on it, and ``prediction_grid.png`` (the first 64)."""

    def __init__(self, classes, out_dir):
        self.classes, self.out_dir = classes, out_dir
        self.rows, self.thumbnails = [], []

    def add(self, path, img, pred):
        classes, name = self.classes, osp.basename(path)
        self.rows.append([
            name, classes[pred['label']],
            round(pred['score'], 4), ' '.join(f'{classes[i]}:{s:.4f}' for i, s in pred['topk'])
        ])
        labelled = drawing.label_image(img, f'{classes[pred["label"]]} {pred["score"]:.2f}')
        cv2.imwrite(osp.join(self.out_dir, name), labelled)
        if len(self.thumbnails) < 64:
            self.thumbnails.append(cv2.resize(labelled, (96, 96), interpolation=cv2.INTER_AREA))

    def finish(self):
        if self.thumbnails:
            cv2.imwrite(
                osp.join(self.out_dir, 'prediction_grid.png'), drawing.grid(self.thumbnails))
        write_csv(
            osp.join(self.out_dir, 'predictions.csv'), ['file', 'class', 'score', 'topk'],
            self.rows)
        found = {c: sum(r[1] == c for r in self.rows) for c in self.classes}
        return f'{len(self.rows)} images classified {found}; predictions.csv in {self.out_dir}'
