"""Detection: boxes with a class and a score; on rasters, box polygons in map coordinates."""
import json
import os.path as osp

import cv2
import numpy as np

from ...errors import ZooError
from .. import augment, drawing, processing
from .base import Task, write_csv
from .classification import write_counts

DETECTION_COLUMNS = ('filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax')


class Detection(Task):
    name = 'detection'
    raster_outputs = ('uncertainty', )

    def postprocess(self, outputs, meta):
        return processing.detect(outputs, self.spec, meta)

    def merge_views(self, predictor, img):
        """Boxes of every view mapped back to the image, merged by class-aware NMS; each
        kept box's ``score_std``: the spread of its score over the views and networks
        (the best score of a box of its class overlapping it by the NMS IoU in each, 0
        where one found none), their disagreement."""
        height, width = img.shape[:2]
        found = [(view, processing.detect(outputs, self.spec, meta))
                 for view, outputs, meta in predictor.each_view(img)]
        per_view = [augment.boxes_back(d['boxes'], v, height, width) for v, d in found]
        boxes = np.concatenate(per_view)
        scores = np.concatenate([d['scores'] for _, d in found])
        labels = np.concatenate([d['labels'] for _, d in found])
        iou = self.post['iou_threshold']
        keep = processing.batched_nms(boxes, scores, labels,
                                      iou)[:self.post.get('max_per_img', 100)]
        merged = dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])
        merged['score_std'] = np.std([
            _best_matching(merged, view_boxes, d['scores'], d['labels'], iou)
            for view_boxes, (_, d) in zip(per_view, found)
        ],
                                     axis=0).astype(np.float32).reshape(-1)
        return merged

    def predict_tiled(self, predictor, img, tile, overlap):
        height, width = img.shape[:2]
        per_tile = [((x0, y0, x1, y1), predictor.predict_whole(img[y0:y1, x0:x1]))
                    for x0, y0, x1, y1 in processing.windows(height, width, tile, overlap)]
        return processing.merge_tile_detections(per_tile, height, width, self.post['iou_threshold'])

    def picture_results(self, out_dir, score_thr=None):
        return _Pictures(self, out_dir, score_thr)

    def predict_part(self, predictor, source, stem, tile, overlap, rows=None, uncertainty=False):
        """The detections of each window starting in ``rows``, in the raster's pixels; a
        box centred on nodata is dropped. With ``uncertainty``, each box's ``score_std``:
        the spread of its score over the TTA views and ensemble members (see
        :meth:`merge_views`)."""
        if uncertainty and not predictor.augmented:
            raise ZooError('--uncertainty: a detector\'s uncertainty is the disagreement of '
                           'its views (score_std of each box): give --tta flip or d4, or '
                           '--ensemble')
        from ...geo.raster import pipeline_order
        from ..rasters import windows_starting_in
        per_tile = []
        for x0, y0, x1, y1 in windows_starting_in(source, tile, overlap, rows):
            image, valid = source.read(x0, y0, x1, y1)
            if not valid.any():
                continue
            det = predictor.predict_whole(pipeline_order(image))
            height, width = valid.shape
            cx = ((det['boxes'][:, 0] + det['boxes'][:, 2]) / 2).astype(int).clip(0, width - 1)
            cy = ((det['boxes'][:, 1] + det['boxes'][:, 3]) / 2).astype(int).clip(0, height - 1)
            det = {k: v[valid[cy, cx]] for k, v in det.items()}
            # read resampled: boxes back in the raster's pixels
            det['boxes'] = det['boxes'] * np.float32([(x1 - x0) / width, (y1 - y0) / height] * 2)
            per_tile.append(((x0, y0, x1, y1), det))
        return per_tile

    def finish_raster(self, source, stem, parts, tile, score_thr=None, uncertainty=False):
        """``<name>_detections.gpkg`` (box polygons with class and score in the raster's
        CRS) and ``<name>_detections.geojson`` (WGS 84): the windows' boxes merged
        (``processing.merge_tile_detections``), each object once, whichever part saw it."""
        from ...geo.outputs import pixel_boxes_to_map, write_layer
        classes = self.classes
        per_tile = [found for part in parts for found in part]
        if per_tile:
            merged = processing.merge_tile_detections(per_tile, source.height, source.width,
                                                      self.post['iou_threshold'])
        else:
            merged = dict(
                boxes=np.zeros((0, 4), np.float32),
                scores=np.zeros(0),
                labels=np.zeros(0),
                score_std=np.zeros(0))
        thresholds = processing.score_thresholds(self.spec, score_thr)
        keep = processing.passing(merged, thresholds, classes)
        boxes, scores = merged['boxes'][keep], merged['scores'][keep]
        labels = merged['labels'][keep].astype(int)
        names = [classes[i] for i in labels]
        out, geojson = f'{stem}_detections.gpkg', f'{stem}_detections.geojson'
        fields = dict(
            raster=[osp.basename(source.path)] * len(boxes),
            label=names,
            score=scores.astype(np.float64).round(4))
        if uncertainty:
            fields['score_std'] = merged['score_std'][keep].astype(np.float64).round(4)
        write_layer(fields, pixel_boxes_to_map(boxes, source.transform), source.crs, out,
                    'detections', geojson if source.georeferenced else None)
        counts = {c: names.count(c) for c in classes}
        return dict(
            raster=source.path,
            outputs=[out] + ([geojson] if source.georeferenced else []),
            counts=counts,
            summary=f'{osp.basename(source.path)}: {len(boxes)} boxes (score >= '
            f'{processing.describe_thresholds(thresholds)}) {counts} in {out}')

    def finish_rasters(self, done, out_dir):
        write_counts(done, out_dir)


def _best_matching(merged, boxes, scores, labels, iou_threshold):
    """For each merged box, the best score among ``boxes`` of its class overlapping it by
    at least ``iou_threshold`` (0 where none does)."""
    best = np.zeros(len(merged['boxes']), np.float32)
    for i, (box, label) in enumerate(zip(merged['boxes'], merged['labels'])):
        same = labels == label
        if same.any():
            overlap = processing.box_iou(box[None], boxes[same])[0] >= iou_threshold
            best[i] = scores[same][overlap].max(initial=0.0)
    return best


class _Pictures:
    """Each picture with its boxes, ``detections.csv`` (the course's columns plus score)
    and ``detections.json`` (boxes and a count per image)."""

    def __init__(self, task, out_dir, score_thr):
        self.classes, self.out_dir = task.classes, out_dir
        self.thresholds = processing.score_thresholds(task.spec, score_thr)
        self.rows, self.records = [], []

    def add(self, path, img, pred):
        classes, name, (height, width) = self.classes, osp.basename(path), img.shape[:2]
        keep = processing.passing(pred, self.thresholds, classes)
        boxes = pred['boxes'][keep].astype(np.float64).round(1).tolist()
        labels = pred['labels'][keep].tolist()
        scores = pred['scores'][keep].astype(np.float64).round(4).tolist()
        cv2.imwrite(
            osp.join(self.out_dir, name), drawing.draw_boxes(img, boxes, labels, scores, classes))
        self.rows += [[name, width, height, classes[lab], *box, score]
                      for box, lab, score in zip(boxes, labels, scores)]
        self.records.append(
            dict(
                filename=name,
                width=width,
                height=height,
                count=len(boxes),
                boxes=[
                    dict(bbox=b, label=classes[lab], score=s)
                    for b, lab, s in zip(boxes, labels, scores)
                ]))

    def finish(self):
        write_csv(
            osp.join(self.out_dir, 'detections.csv'), [*DETECTION_COLUMNS, 'score'], self.rows)
        with open(osp.join(self.out_dir, 'detections.json'), 'w') as f:
            json.dump(dict(score_thr=self.thresholds, images=self.records), f, indent=1)
        return (f'{len(self.rows)} boxes (score >= '
                f'{processing.describe_thresholds(self.thresholds)}); pictures, '
                f'detections.csv and detections.json in {self.out_dir}')
