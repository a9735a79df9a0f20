"""The course's people counts: predicted count above a score threshold vs true count."""
import csv
import os
import os.path as osp

import numpy as np
from mmdet.registry import METRICS
from mmengine.evaluator import BaseMetric

from ..run.run_dir import current_log_dir


@METRICS.register_module()
class CountingMetric(BaseMetric):
    """Per image, detections with score >= ``score_thr`` vs ground-truth boxes.

    Returns ``count/mae`` (mean absolute error), ``count/bias`` (mean predicted minus
    observed) and ``count/exact`` (% of images counted exactly); writes ``counts.csv`` to
    ``out_dir`` (default: the run's log folder), which ``CountScatterHook`` draws.
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
                    pred=int((scores >= self.score_thr).sum())))

    def compute_metrics(self, results):
        true = np.array([r['true'] for r in results], float)
        pred = np.array([r['pred'] for r in results], float)
        out_dir = self.out_dir or current_log_dir()
        os.makedirs(out_dir, exist_ok=True)
        with open(osp.join(out_dir, 'counts.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'observed', 'predicted'])
            writer.writerows([r['image'], r['true'], r['pred']] for r in results)
        return dict(
            mae=float(np.abs(pred - true).mean()),
            bias=float((pred - true).mean()),
            exact=100.0 * float((pred == true).mean()))
