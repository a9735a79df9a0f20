"""Segmentation scores per class as well as averaged."""
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class SegReport(IoUMetric):
    """mmseg's ``IoUMetric`` (``aAcc``, ``mIoU``, ``mDice``, ...) plus ``IoU/<class>`` and
    ``Dice/<class>`` for every class, in percent. Its keys have no prefix, as mmseg's
    (``mIoU``, not ``seg/mIoU``): an empty one, so that mmengine does not warn that none
    is set."""

    default_prefix = ''

    def __init__(self, iou_metrics=('mIoU', 'mDice'), **kwargs):
        super().__init__(iou_metrics=list(iou_metrics), **kwargs)

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        intersect, union, pred, label = (sum(part) for part in zip(*results))
        per_class = self.total_area_to_metrics(intersect, union, pred, label, ['mIoU', 'mDice'],
                                               self.nan_to_num, self.beta)
        for i, name in enumerate(self.dataset_meta['classes']):
            metrics[f'IoU/{name}'] = round(float(per_class['IoU'][i]) * 100, 2)
            metrics[f'Dice/{name}'] = round(float(per_class['Dice'][i]) * 100, 2)
        return metrics
