"""The course's small conv net, and the global max pooling it ends with."""
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


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
