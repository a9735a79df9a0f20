"""The course's U-Net (an encoder of conv banks with max pooling, and a decoder head of
transposed convolutions with concatenated skips that works over any encoder) and the Dice
loss of its binary (1-channel, sigmoid) heads."""
import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from torch import nn

from ..balance import balanced_weights
from ..errors import ZooError


def conv_bank(in_channels, out_channels, norm_cfg, act_cfg, num_convs=2):
    """``num_convs`` x (3x3 conv + norm + activation)."""
    return nn.Sequential(*[
        ConvModule(
            in_channels if i == 0 else out_channels,
            out_channels,
            3,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg) for i in range(num_convs)
    ])


@MODELS.register_module()
class CourseUNetEncoder(BaseModule):
    """``depth`` banks of 3x3 convs, each doubling the filters and followed by 2x2 max
    pooling, then a bottleneck bank: the course used 6 banks.

    Returns ``depth + 1`` feature maps, full resolution first, the bottleneck last
    (``base * 2**i`` channels at ``1 / 2**i`` of the input). Inputs must be divisible by
    ``2**depth`` (pad them with the data preprocessor's ``size_divisor``).
    """

    def __init__(self,
                 in_channels=3,
                 base_channels=16,
                 depth=6,
                 num_convs=2,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        self.depth = depth
        self.out_channels = [base_channels * 2**i for i in range(depth + 1)]
        self.banks = nn.ModuleList()
        for channels in self.out_channels:
            self.banks.append(conv_bank(in_channels, channels, norm_cfg, act_cfg, num_convs))
            in_channels = channels
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        divisor = 2**self.depth
        if x.shape[-2] % divisor or x.shape[-1] % divisor:
            raise ZooError(
                f'CourseUNetEncoder(depth={self.depth}) needs image sides divisible by '
                f'{divisor}, got {x.shape[-2]}x{x.shape[-1]}; set the data preprocessor\'s '
                f'size_divisor={divisor} (pads) or crop/resize to a multiple of {divisor}')
        features = []
        for i, bank in enumerate(self.banks):
            x = bank(x if i == 0 else self.pool(x))
            features.append(x)
        return tuple(features)


@MODELS.register_module()
class UNetTransposeHead(BaseDecodeHead):
    """U-Net decoder over any encoder's multi-level features.

    From the deepest level up: a 2x2 stride-2 transposed convolution to the next level's
    width, concatenation with that level's features (the skip), a bank of 3x3 convs; then
    the 1x1 conv to ``out_channels`` (1 with a sigmoid and ``threshold`` for binary masks,
    ``num_classes`` for softmax). Give ``in_channels`` and ``in_index`` as lists, shallow
    to deep; the output is at the shallowest level's resolution (mmseg resizes logits to
    the image when predicting).
    """

    def __init__(self, in_channels, num_convs=2, **kwargs):
        if not isinstance(in_channels, (list, tuple)) or len(in_channels) < 2:
            raise ValueError('UNetTransposeHead needs in_channels for 2 or more levels, '
                             f'got {in_channels!r}')
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        super().__init__(
            in_channels, channels=in_channels[0], input_transform='multiple_select', **kwargs)
        self.ups = nn.ModuleList()
        self.banks = nn.ModuleList()
        for level in range(len(in_channels) - 1, 0, -1):  # deepest first
            deep, shallow = in_channels[level], in_channels[level - 1]
            self.ups.append(nn.ConvTranspose2d(deep, shallow, 2, stride=2))
            self.banks.append(
                conv_bank(2 * shallow, shallow, self.norm_cfg, self.act_cfg, num_convs))

    def forward(self, inputs):
        features = self._transform_inputs(inputs)
        x = features[-1]
        for up, bank, skip in zip(self.ups, self.banks, features[-2::-1]):
            x = up(x)
            if x.shape[-2:] != skip.shape[-2:]:  # encoders with odd sizes: match the skip
                x = nn.functional.interpolate(
                    x, size=skip.shape[-2:], mode='bilinear', align_corners=False)
            x = bank(torch.cat([skip, x], dim=1))
        return self.cls_seg(x)


def binary_dice_loss(logits, target, ignore_index=255, eps=1e-3, batch=False):
    """V-Net Dice loss per image, averaged:
    ``1 - (2 sum(p t) + eps) / (sum(p^2) + sum(t^2) + eps)``; ``batch``: one Dice over
    every pixel of the batch, as if the images were one.

    ``logits`` (N, 1, H, W); ``target`` (N, H, W) of 0/1, pixels equal to ``ignore_index``
    (e.g. padding) left out.
    """
    prob = logits[:, 0].sigmoid()
    valid = (target != ignore_index).float()
    truth = (target == 1).float() * valid
    prob = prob * valid
    if batch:
        prob, truth = prob[None], truth[None]
    numerator = 2 * (prob * truth).flatten(1).sum(1) + eps
    denominator = (prob.pow(2) + truth.pow(2)).flatten(1).sum(1) + eps
    return (1 - numerator / denominator).mean()


@MODELS.register_module()
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` whose ``class_weight`` works beside ignored pixels
    (nodata, and the unlabelled pixels of sparse labels, 255).

    mmseg 1.2.2 averages a class-weighted loss by looking every label up in
    ``class_weight``, the ignored ones too, which raises ``IndexError: index 255 is out of
    bounds`` (https://github.com/open-mmlab/mmsegmentation/issues/3734, open). This
    computes that average itself, over the pixels not ignored (and, without
    ``avg_non_ignore``, counting each ignored pixel once, as the unweighted loss does),
    and hands it to the upstream loss as its ``avg_factor``. The same options as
    ``CrossEntropyLoss``; without ``class_weight`` it is that loss unchanged.

    ``class_weight='balanced'``: the loss weights each class by its rarity among the
    labelled pixels it has trained on so far (``n / (k * count_c)``, as
    ``BalancedCrossEntropyLoss`` weights a classifier's classes), counted from every
    training batch: a class-balanced loss for any segmentation config, with no weights
    to work out by hand."""

    def __init__(self, class_weight=None, **kwargs):
        self.balanced = class_weight == 'balanced'
        if self.balanced and kwargs.get('use_sigmoid'):
            raise ZooError("WeightedCrossEntropyLoss(class_weight='balanced') weighs the classes "
                           'of a softmax head (out_channels = the number of classes); a 1-channel '
                           'sigmoid head: add BinaryDiceLoss to loss_decode instead')
        super().__init__(class_weight=None if self.balanced else class_weight, **kwargs)
        self.pixel_counts = None  # labelled pixels a class, seen in training ('balanced')

    def balance(self, cls_score, label, ignore_index):
        """Count the labelled pixels of a training batch; the weights they give so far."""
        kept = label[label != ignore_index]
        counts = torch.bincount(kept.flatten(), minlength=cls_score.shape[1]).cpu()
        self.pixel_counts = counts if self.pixel_counts is None else self.pixel_counts + counts
        self.class_weight = balanced_weights(self.pixel_counts.numpy(), strict=False)

    def forward(self,
                cls_score,
                label,
                weight=None,
                avg_factor=None,
                reduction_override=None,
                ignore_index=-100,
                **kwargs):
        reduction = reduction_override or self.reduction
        if self.balanced and self.training:
            self.balance(cls_score, label, ignore_index)
        if (self.class_weight is not None and avg_factor is None and reduction == 'mean'
                and not (self.use_sigmoid or self.use_mask)):
            kept = label != ignore_index
            class_weight = cls_score.new_tensor(self.class_weight)
            avg_factor = class_weight[label[kept]].sum()
            if not self.avg_non_ignore:
                avg_factor = avg_factor + (~kept).sum()
        return super().forward(
            cls_score,
            label,
            weight=weight,
            avg_factor=avg_factor,
            reduction_override=reduction_override,
            ignore_index=ignore_index,
            **kwargs)


@MODELS.register_module()
class BinaryDiceLoss(nn.Module):
    """Dice loss for ``out_channels=1`` heads, the foreground being label 1.

    mmseg 1.2.2's ``DiceLoss`` one-hot encodes a 1-channel target as "label == 0", so with
    ``out_channels=1`` it trains the *background* as foreground and the thresholded
    predictions come out inverted (``_expand_onehot_labels_dice`` in
    https://github.com/open-mmlab/mmsegmentation/blob/v1.2.2/mmseg/models/losses/dice_loss.py).

    ``batch=True``: one Dice over the whole batch ("batch Dice", as nnU-Net computes it)
    instead of the mean of each image's. A window of a large raster often holds no
    foreground at all, where each image's Dice is 1 until the prediction is exactly 0: the
    per-image mean then swings from batch to batch, the batch's Dice does not.
    """

    def __init__(self, loss_weight=1.0, eps=1e-3, batch=False, loss_name='loss_dice'):
        super().__init__()
        self.loss_weight, self.eps, self._loss_name = loss_weight, eps, loss_name
        self.batch = batch

    def forward(self, pred, target, weight=None, ignore_index=255, **kwargs):
        if pred.shape[1] != 1:
            raise ValueError(f'BinaryDiceLoss needs a 1-channel prediction, got {pred.shape[1]}; '
                             'use CrossEntropyLoss (or mmseg DiceLoss) for several classes')
        return self.loss_weight * binary_dice_loss(pred, target, ignore_index, self.eps, self.batch)

    @property
    def loss_name(self):
        return self._loss_name
