"""Hooks of the object recognition family."""
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
        true, pred = metric.figure_data['true'], metric.figure_data['pred']
        save_count_scatter(
            true, pred, path, f'score >= {metric.score_thr}: MAE {np.abs(pred - true).mean():.2f}, '
            f'{len(true)} images')
