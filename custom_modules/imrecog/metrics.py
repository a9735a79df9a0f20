"""Classification metrics as the course reported them, plus the validation loss."""
import json
import os
import os.path as osp

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..run_folder import run_folder


def confusion_matrix(labels, preds, num_classes):
    """``cm[t, p]``: how many samples of true class ``t`` were predicted as ``p``."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(labels), np.asarray(preds)), 1)
    return cm


def per_class_scores(cm):
    """Precision, recall and F1 per class from a confusion matrix (0 where undefined)."""
    tp = np.diag(cm).astype(float)
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = np.nan_to_num(tp / cm.sum(axis=0))
        recall = np.nan_to_num(tp / cm.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return precision, recall, f1


def save_confusion_matrix(cm, classes, out_dir, prefix='confusion_matrix'):
    """Write ``<prefix>.json``: the classes, the counts and the per-class scores."""
    os.makedirs(out_dir, exist_ok=True)
    precision, recall, f1 = per_class_scores(cm)
    with open(osp.join(out_dir, f'{prefix}.json'), 'w') as f:
        json.dump(
            dict(
                classes=list(classes),
                matrix=cm.tolist(),
                precision=precision.tolist(),
                recall=recall.tolist(),
                f1=f1.tolist()),
            f,
            indent=1)


@METRICS.register_module()
class ClassificationReport(BaseMetric):
    """Top-1 accuracy, validation loss, per-class precision/recall/F1, confusion matrix.

    Returns ``accuracy``, ``loss`` (mean cross-entropy of the predicted probabilities, the
    value early stopping watches), ``precision``/``recall``/``f1`` (macro means) and
    ``f1/<class>`` per class. Writes ``confusion_matrix.json`` to ``out_dir`` (default: the
    run's log folder) and keeps the matrix in ``figure_data``, which ``ConfusionMatrixHook``
    draws.
    """

    default_prefix = 'cls'

    def __init__(self, out_dir=None, collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            self.results.append(
                dict(
                    label=int(sample['gt_label'][0]),
                    scores=np.asarray(sample['pred_score'].cpu(), dtype=np.float64)))

    def compute_metrics(self, results):
        labels = np.array([r['label'] for r in results])
        scores = np.stack([r['scores'] for r in results])
        classes = self.dataset_meta.get('classes') or [str(i) for i in range(scores.shape[1])]
        cm = confusion_matrix(labels, scores.argmax(axis=1), scores.shape[1])
        precision, recall, f1 = per_class_scores(cm)
        picked = scores[np.arange(len(labels)), labels]
        metrics = dict(
            accuracy=100.0 * np.trace(cm) / cm.sum(),
            loss=float(-np.log(np.clip(picked, 1e-12, None)).mean()),
            precision=100.0 * precision.mean(),
            recall=100.0 * recall.mean(),
            f1=100.0 * f1.mean())
        metrics.update({f'f1/{c}': 100.0 * v for c, v in zip(classes, f1)})
        save_confusion_matrix(cm, classes, self.out_dir or run_folder())
        self.figure_data = dict(matrix=cm, classes=list(classes))  # for ConfusionMatrixHook
        return metrics
