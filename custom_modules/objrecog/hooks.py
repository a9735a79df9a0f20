"""Hooks of the object recognition family."""
import csv
import os.path as osp

import numpy as np
from mmdet.registry import HOOKS

from ..run.hooks import MetricFigureHook
from .metrics import CountingMetric
from .visualization import save_count_scatter


@HOOKS.register_module()
class CountScatterHook(MetricFigureHook):
    """After every evaluation, draw ``counts_scatter.png`` (observed vs predicted count per
    image, with the 1:1 line) from the ``counts.csv`` that ``CountingMetric`` wrote."""

    metric_type = CountingMetric
    picture = 'counts_scatter.png'

    def draw(self, metric, path):
        with open(osp.join(osp.dirname(path), 'counts.csv'), newline='') as f:
            rows = list(csv.DictReader(f))
        true = np.array([float(r['observed']) for r in rows])
        pred = np.array([float(r['predicted']) for r in rows])
        save_count_scatter(
            true, pred, path, f'score >= {metric.score_thr}: MAE {np.abs(pred - true).mean():.2f}, '
            f'{len(rows)} images')
