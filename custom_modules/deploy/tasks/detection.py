"""Detection: boxes with a class and a score; on rasters, box polygons in map coordinates."""
import json
import os.path as osp

import cv2
import numpy as np

from .. import augment, drawing, processing
from .base import Task, write_csv
from .classification import write_counts

DETECTION_COLUMNS = ('filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax')


class Detection(Task):
    name = 'detection'

    def postprocess(self, outputs, meta):
        return processing.detect(outputs, self.spec, meta)

    def merge_views(self, predictor, img):
        """Boxes of every view mapped back to the image, merged by class-aware NMS."""
        height, width = img.shape[:2]
        found = [(view, processing.detect(outputs, self.spec, meta))
                 for view, outputs, meta in predictor.each_view(img)]
        boxes = np.concatenate([augment.boxes_back(d['boxes'], v, height, width) for v, d in found])
        scores = np.concatenate([d['scores'] for _, d in found])
        labels = np.concatenate([d['labels'] for _, d in found])
        keep = processing.batched_nms(
            boxes, scores, labels, self.post['iou_threshold'])[:self.post.get('max_per_img', 100)]
        return dict(boxes=boxes[keep], scores=scores[keep], labels=labels[keep])

    def predict_tiled(self, predictor, img, tile, overlap):
        height, width = img.shape[:2]
        per_tile = [((x0, y0, x1, y1), predictor.predict_whole(img[y0:y1, x0:x1]))
                    for x0, y0, x1, y1 in processing.windows(height, width, tile, overlap)]
        return processing.merge_tile_detections(per_tile, height, width, self.post['iou_threshold'])

    def picture_results(self, out_dir, score_thr=None):
        return _Pictures(self, out_dir, score_thr)

    def predict_raster(self, predictor, source, stem, tile, overlap, score_thr=None, **outputs):
        """``<name>_detections.gpkg`` (box polygons with class and score in the raster's
        CRS) and ``<name>_detections.geojson`` (WGS 84); a box centred on nodata is
        dropped."""
        from ...geo.outputs import pixel_boxes_to_map, write_layer
        from ...geo.raster import pipeline_order
        classes = self.classes
        per_tile = []
        for x0, y0, x1, y1 in source.windows(tile, overlap):
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
        if per_tile:
            merged = processing.merge_tile_detections(per_tile, source.height, source.width,
                                                      self.post['iou_threshold'])
        else:
            merged = dict(
                boxes=np.zeros((0, 4), np.float32), scores=np.zeros(0), labels=np.zeros(0))
        thresholds = processing.score_thresholds(self.spec, score_thr)
        keep = processing.passing(merged, thresholds, classes)
        boxes, scores = merged['boxes'][keep], merged['scores'][keep]
        labels = merged['labels'][keep].astype(int)
        names = [classes[i] for i in labels]
        out, geojson = f'{stem}_detections.gpkg', f'{stem}_detections.geojson'
        write_layer(
            dict(
                raster=[osp.basename(source.path)] * len(boxes),
                label=names,
                score=scores.astype(np.float64).round(4)),
            pixel_boxes_to_map(boxes, source.transform), source.crs, out, 'detections',
            geojson if source.georeferenced else None)
        counts = {c: names.count(c) for c in classes}
        return dict(
            raster=source.path,
            outputs=[out] + ([geojson] if source.georeferenced else []),
            counts=counts,
            summary=f'{osp.basename(source.path)}: {len(boxes)} boxes (score >= '
            f'{processing.describe_thresholds(thresholds)}) {counts} in {out}')

    def finish_rasters(self, done, out_dir):
        write_counts(done, out_dir)


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
