"""The course's people counts (predicted count above a score threshold vs true count), and
mmdet's COCO mAP as the zoo's configs use it."""
import contextlib
import csv
import io
import logging
import os
import os.path as osp

import numpy as np
from mmdet.evaluation.metrics import CocoMetric
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from ..run_folder import run_folder


@contextlib.contextmanager
def prints_to_the_log():
    """What pycocotools prints (its progress and the AP/AR table, about 20 lines each
    validation) goes to the run's log file at INFO, where mmengine's own lines go, instead
    of the console (``--verbose`` shows it again). pycocotools writes with ``print``
    (https://github.com/ppwwyyxx/cocoapi/blob/master/PythonAPI/pycocotools/coco.py and
    ``cocoeval.py``); the console handler keeps the stream it was given, so mmdet's own
    log lines are not captured here."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            yield
    finally:
        if captured.getvalue().strip():
            print_log(captured.getvalue().rstrip(), logger='current', level=logging.INFO)


@METRICS.register_module()
class ZooCocoMetric(CocoMetric):
    """mmdet's ``CocoMetric`` (same arguments, same ``coco/bbox_mAP...`` keys), and:

    - when no image has a detection it reports 0 mAP with one INFO line. mmdet 3.3.0 logs
      the ERROR "The testing results of the whole dataset is empty." and returns no
      metrics at all, which is common after a first short epoch; a ``save_best`` on
      ``coco/bbox_mAP`` then fails with a KeyError (``compute_metrics`` in
      https://github.com/open-mmlab/mmdetection/blob/v3.3.0/mmdet/evaluation/metrics/coco_metric.py);
    - pycocotools' prints go to the log file (:func:`prints_to_the_log`).
    """

    def __init__(self, *args, **kwargs):
        with prints_to_the_log():  # an ann_file is read by pycocotools here
            super().__init__(*args, **kwargs)

    def compute_metrics(self, results):
        if self.format_only or any(len(pred['bboxes']) for _, pred in results):
            with prints_to_the_log():
                metrics = super().compute_metrics(results)
            if metrics or self.format_only:
                return metrics
        MMLogger.get_current_instance().info(
            'CocoMetric: no detections in any image (yet): every mAP is 0')
        return {
            f'{metric}_{key}': 0.0
            for metric in self.metrics
            for key in ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')
        }


@METRICS.register_module()
class CountingMetric(BaseMetric):
    """Per image, detections with score >= ``score_thr`` vs ground-truth boxes.

    Returns ``count/mae`` (mean absolute error), ``count/bias`` (mean predicted minus
    observed), ``count/exact`` (% of images counted exactly) and, per class with boxes,
    ``count/recall/<class>`` (% of its boxes that a counted detection of the class overlaps
    by IoU >= 0.5; 0 is a class never found, which ``SilentClassHook`` says); writes
    ``counts.csv`` to
    ``out_dir`` (default: the run's log folder) and keeps the counts in ``figure_data``, which
    ``CountScatterHook`` draws.
    """

    default_prefix = 'count'

    def __init__(self, score_thr=0.5, out_dir=None, collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.score_thr, self.out_dir = score_thr, out_dir

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            scores = sample['pred_instances']['scores']
            gt = sample['gt_instances']
            self.results.append(
                dict(
                    image=osp.basename(sample.get('img_path') or str(sample.get('img_id'))),
                    true=len(gt['bboxes']) if 'bboxes' in gt else 0,
                    pred=int((scores >= self.score_thr).sum()),
                    found=self.found(sample['pred_instances'], gt)))

    def found(self, pred, gt):
        """``(label, found)`` for each ground-truth box: whether a detection of its class
        scoring at least ``score_thr`` overlaps it by IoU >= 0.5 (empty without labels)."""
        if not all(k in gt for k in ('bboxes', 'labels')) or 'bboxes' not in pred:
            return []
        from mmdet.structures.bbox import bbox_overlaps
        counted = pred['scores'] >= self.score_thr
        boxes, labels = pred['bboxes'][counted], pred['labels'][counted]
        if not len(gt['labels']):
            return []
        if not len(boxes):
            return [(int(label), False) for label in gt['labels']]
        overlaps = bbox_overlaps(gt['bboxes'].float(), boxes.float())
        same = gt['labels'][:, None] == labels[None, :]
        hit = ((overlaps >= 0.5) & same).any(dim=1)
        return [(int(label), bool(h)) for label, h in zip(gt['labels'], hit)]

    def compute_metrics(self, results):
        true = np.array([r['true'] for r in results], float)
        pred = np.array([r['pred'] for r in results], float)
        out_dir = self.out_dir or run_folder()
        os.makedirs(out_dir, exist_ok=True)
        with open(osp.join(out_dir, 'counts.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'observed', 'predicted'])
            writer.writerows([r['image'], r['true'], r['pred']] for r in results)
        self.figure_data = dict(true=true, pred=pred)  # for CountScatterHook
        metrics = dict(
            mae=float(np.abs(pred - true).mean()),
            bias=float((pred - true).mean()),
            exact=100.0 * float((pred == true).mean()))
        classes = list((self.dataset_meta or {}).get('classes') or [])
        boxes = [pair for r in results for pair in r.get('found', [])]
        for index, name in enumerate(classes):
            hits = [h for label, h in boxes if label == index]
            if hits:
                metrics[f'recall/{name}'] = 100.0 * float(np.mean(hits))
        return metrics
