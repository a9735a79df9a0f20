"""``SilentClassHook``: a class the model never gets right is said, not left to a table.

A rare class (4 % of the pixels, say) can train to "never predicted" while the loss falls
and the mean scores look fine. After each validation this hook reads the per-class scores
the families' metrics give (segmentation ``IoU/<class>``, classification ``f1/<class>``,
detection ``count/recall/<class>``; 0 means not one pixel, image or box of the class was
predicted right) and, when a class scores
0 in ``patience`` validations in a row, says so once in one line: the class, its share of
the training labels (counted from the batches training saw), and what helps.
"""
import sys

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

# the per-class score of each family's metric whose 0 means "never right", and what helps
SCORES = {
    'IoU': ('windows sampled around the labels (windows.sampler=\'labels\'), class weights '
            '(WeightedCrossEntropyLoss class_weight) or a Dice + cross-entropy loss (the '
            'raster default: BinaryDiceLoss(batch=True) with CrossEntropyLoss at '
            'loss_weight=0.2, configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py)'),
    'f1':
    'more labelled images of it, or class weights (BalancedCrossEntropyLoss)',
    'recall': ('windows sampled around the labels, more labelled boxes of it, or a lower '
               'score threshold (CountingMetric score_thr)'),
}


@HOOKS.register_module()
class SilentClassHook(Hook):
    """Say once, in one line, which class scored 0 in ``patience`` validations in a row,
    counting the validations after the first ``warmup`` share of training."""

    priority = 'LOW'

    def __init__(self, patience=3, warmup=0.1):
        self.patience, self.warmup = patience, warmup
        self.zeros, self.said, self.counts = {}, set(), None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        found = training_labels((data_batch or {}).get('data_samples') or [])
        if found is None:
            return
        if self.counts is None or len(self.counts) < len(found):
            grown = np.zeros(len(found), np.int64)
            if self.counts is not None:
                grown[:len(self.counts)] = self.counts
            self.counts = grown
        self.counts[:len(found)] += found

    def after_val_epoch(self, runner, metrics=None):
        done, total = getattr(runner, 'iter', 1), getattr(runner, 'max_iters', 1) or 1
        if done < self.warmup * total:  # a detector finds nothing in its first epochs
            return
        for key, value in (metrics or {}).items():
            parts = key.split('/')
            if len(parts) < 2 or parts[-2] not in SCORES or value is None or np.isnan(value):
                continue
            name = parts[-1]
            self.zeros[key] = self.zeros.get(key, 0) + 1 if value == 0 else 0
            if self.zeros[key] >= self.patience and name not in self.said:
                self.said.add(name)
                line = self.line(runner, name, parts[-2])
                runner.logger.info(line)  # the log file; the console gets it once, below
                if is_main_process():
                    print(f'WARNING: {line}', file=sys.stderr, flush=True)

    def line(self, runner, name, score):
        classes = list(runner.train_dataloader.dataset.metainfo.get('classes') or [])
        share = 'unknown'
        if self.counts is not None and name in classes and self.counts.sum():
            index = classes.index(name)
            found = self.counts[index] if index < len(self.counts) else 0
            share = f'{100 * found / self.counts.sum():.1f} %'
        return (f'class {name!r} was never predicted right ({score} 0 in {self.zeros_of(name)} '
                f'validations in a row); it is {share} of the training labels: what helps is '
                f'{SCORES[score]}')

    def zeros_of(self, name):
        return max(n for key, n in self.zeros.items() if key.split('/')[-1] == name)


def training_labels(samples):
    """Class counts of a training batch's labels (``None`` when they are not class labels):
    segmentation masks' pixels (255 left out), classification labels, detection boxes."""
    import torch
    found = []
    for sample in samples:
        if 'gt_sem_seg' in sample:
            labels = sample.gt_sem_seg.data.flatten()
            found.append(labels[labels != 255])
        elif 'gt_label' in sample:
            found.append(torch.as_tensor(sample.gt_label).flatten())
        elif 'gt_instances' in sample:
            found.append(sample.gt_instances.labels.flatten())
    if not found:
        return None
    labels = torch.cat([f.long().cpu() for f in found])
    return np.bincount(labels.numpy(), minlength=1)
