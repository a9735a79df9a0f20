"""An example plugin: a tiny conv backbone registered from outside ``custom_modules``."""
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class TinyConvNet(BaseModule):
    """``depth`` blocks of 3x3 conv + BN + ReLU + 2x2 max pooling, doubling the width.

    Returns a one-element tuple, as mmpretrain necks expect.
    """

    def __init__(self, in_channels=3, base_channels=16, depth=3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers = []
        for i in range(depth):
            out_channels = base_channels * 2**i
            layers += [
                nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            in_channels = out_channels
        self.layers = nn.Sequential(*layers)
        self.out_channels = in_channels

    def forward(self, x):
        return (self.layers(x), )
