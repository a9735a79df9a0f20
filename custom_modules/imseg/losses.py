"""Dice loss for binary (1-channel, sigmoid) segmentation."""
from mmseg.registry import MODELS
from torch import nn


def binary_dice_loss(logits, target, ignore_index=255, eps=1e-3):
    """V-Net Dice loss per image, averaged:
    ``1 - (2 sum(p t) + eps) / (sum(p^2) + sum(t^2) + eps)``.

    ``logits`` (N, 1, H, W); ``target`` (N, H, W) of 0/1, pixels equal to ``ignore_index``
    (e.g. padding) left out.
    """
    prob = logits[:, 0].sigmoid()
    valid = (target != ignore_index).float()
    truth = (target == 1).float() * valid
    prob = prob * valid
    numerator = 2 * (prob * truth).flatten(1).sum(1) + eps
    denominator = (prob.pow(2) + truth.pow(2)).flatten(1).sum(1) + eps
    return (1 - numerator / denominator).mean()


@MODELS.register_module()
class BinaryDiceLoss(nn.Module):
    """Dice loss for ``out_channels=1`` heads, the foreground being label 1.

    mmseg 1.2.2's ``DiceLoss`` one-hot encodes a 1-channel target as "label == 0", so with
    ``out_channels=1`` it trains the *background* as foreground and the thresholded
    predictions come out inverted (``_expand_onehot_labels_dice`` in
    https://github.com/open-mmlab/mmsegmentation/blob/v1.2.2/mmseg/models/losses/dice_loss.py).
    """

    def __init__(self, loss_weight=1.0, eps=1e-3, loss_name='loss_dice'):
        super().__init__()
        self.loss_weight, self.eps, self._loss_name = loss_weight, eps, loss_name

    def forward(self, pred, target, weight=None, ignore_index=255, **kwargs):
        if pred.shape[1] != 1:
            raise ValueError(f'BinaryDiceLoss needs a 1-channel prediction, got {pred.shape[1]}; '
                             'use CrossEntropyLoss (or mmseg DiceLoss) for several classes')
        return self.loss_weight * binary_dice_loss(pred, target, ignore_index, self.eps)

    @property
    def loss_name(self):
        return self._loss_name
