"""The course's small conv net, the global max pooling it ends with, and the class-balanced
cross-entropy the course trained it with."""
import numpy as np
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmpretrain.models.losses import CrossEntropyLoss
from mmpretrain.registry import MODELS

from ..balance import balanced_weights


@MODELS.register_module()
class CourseConvNet(BaseModule):
    """Blocks of 3x3 conv + ReLU + 2x2 max pooling, filters ``base * 1, 2, ..., depth``.

    The course's "custom" image recognition model used base 30 and 4 blocks
    (``depth=4``); its deeper variant 6. Returns a one-element tuple of the last
    feature map (``out_channels = base * depth``), as mmpretrain necks expect.

    Args:
        base (int): filters of the first block. Default 30.
        depth (int): number of blocks. Default 4.
        in_channels (int): image channels. Default 3.
    """

    def __init__(self, base=30, depth=4, in_channels=3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth < 1 or base < 1:
            raise ValueError(f'need depth >= 1 and base >= 1, got depth={depth}, base={base}')
        blocks = []
        for i in range(1, depth + 1):
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(in_channels, base * i, 3, padding=1), nn.ReLU(inplace=True),
                    nn.MaxPool2d(2)))
            in_channels = base * i
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = in_channels

    def forward(self, x):
        return (self.blocks(x), )


@MODELS.register_module()
class GlobalMaxPooling(nn.Module):
    """Global max pooling neck: ``(N, C, H, W)`` features to ``(N, C)``."""

    def forward(self, inputs):
        if isinstance(inputs, tuple):
            return tuple(x.amax(dim=(2, 3)) for x in inputs)
        return inputs.amax(dim=(2, 3))


def balanced_class_weights(labels, num_classes):
    """``n / (k * count_c)`` per class of the training ``labels`` (``balance``)."""
    return balanced_weights(np.bincount(np.asarray(labels), minlength=num_classes))


@MODELS.register_module()
class BalancedCrossEntropyLoss(CrossEntropyLoss):
    """mmpretrain's ``CrossEntropyLoss`` weighted by class from the training split's class
    counts (:func:`balanced_class_weights`): the course's balancing.

    The loss owns its weights. It asks for the counts through :meth:`set_class_counts`,
    which :class:`~custom_modules.imrecog.hooks.ClassCountsHook` (in every imrecog
    runtime) calls with the training split's labels before training, as mmdet's
    ``SetEpochInfoHook`` calls a model's ``set_epoch``. Until then, and when testing, it
    is the plain cross-entropy or the ``class_weight`` it was given.
    """

    def set_class_counts(self, labels, classes):
        """Weight each of ``classes`` by how rare it is among the training ``labels``."""
        weights = balanced_class_weights(labels, len(classes))
        self.class_weight = weights
        print_log(
            'balanced class weights: ' + ', '.join(f'{c}={w:.3f}'
                                                   for c, w in zip(classes, weights)),
            logger='current')
