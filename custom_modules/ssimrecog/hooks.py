"""Hooks of semi-supervised recognition: the t-SNE picture of :class:`KNNAccuracy`'s
embeddings. The mean teacher's EMA and what the pseudo-labels do, which segmentation's
semi-supervised model shares, are ``custom_modules.run.hooks`` (``MeanTeacherHook``,
``PseudoLabelHook``)."""
from mmpretrain.registry import HOOKS

from ..run.hooks import MetricFigureHook
from .metrics import KNNAccuracy
from .visualization import plot_tsne


@HOOKS.register_module()
class TSNEHook(MetricFigureHook):
    """After every evaluation, draw ``tsne.png`` (the query embeddings in 2-D, coloured by
    class) from the embeddings ``KNNAccuracy`` handed over (its ``figure_data``)."""

    metric_type = KNNAccuracy
    picture = 'tsne.png'

    def draw(self, metric, path):
        found = metric.figure_data
        plot_tsne(found['embeddings'], found['labels'], found['classes'] or None, path)
