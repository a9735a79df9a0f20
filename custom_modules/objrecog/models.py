"""RetinaNet's head with a plain-torch focal loss and torchvision NMS.

mmdet's ``RetinaHead`` + ``FocalLoss`` call mmcv's compiled ``sigmoid_focal_loss`` and
``batched_nms`` on CUDA tensors, so they need mmcv's CUDA build. These modules compute the
same numbers with plain torch (the loss) and ``torchvision.ops.batched_nms`` (prebuilt for
CPU and CUDA), so every detection config here runs on a GPU with a CPU-ops mmcv.
"""
import torch
import torchvision
from mmdet.models.dense_heads import RetinaHead
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS
from torch import nn
from torch.nn import functional as F


def sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=2.0):
    """Element-wise focal loss (Lin et al. 2017) of ``logits`` against 0/1 ``targets``.

    ``alpha * t + (1 - alpha) * (1 - t)`` weighs positives against negatives, and
    ``(1 - p_t) ** gamma`` down-weighs the easy examples. Same values as
    ``torchvision.ops.sigmoid_focal_loss(reduction='none')``.

    Computed in float32 whatever the dtype of ``logits`` (the result is float32): under
    bf16 autocast, ``1 - p_t`` of an easy example lies where bf16's spacing is 1/256, so
    its weight ``(1 - p_t) ** 2`` would be off by up to 75 %. Both factors avoid the
    cancellation that costs easy examples precision even in float32 (several % at
    ``|x| = 12``): ``1 - p_t`` comes from ``sigmoid(x)`` and ``sigmoid(-x)``, not from
    ``1 - p_t``, and the cross-entropy from ``softplus`` (``log1p``), not ``log(1 + ...)``.
    """
    with torch.autocast(logits.device.type, enabled=False):
        logits, targets = logits.float(), targets.float()
        ce = targets * F.softplus(-logits) + (1 - targets) * F.softplus(logits)
        one_minus_p_t = logits.sigmoid() * (1 - targets) + (-logits).sigmoid() * targets
        loss = ce * one_minus_p_t**gamma
        if alpha >= 0:
            loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return loss


@MODELS.register_module()
class TorchFocalLoss(nn.Module):
    """Sigmoid focal loss in plain torch, a drop-in for mmdet's ``FocalLoss``.

    Takes class indices as targets (``num_classes`` meaning background), as mmdet's
    dense heads give them, and the usual ``weight`` / ``avg_factor`` / ``reduction``.
    """

    def __init__(self, use_sigmoid=True, gamma=2.0, alpha=0.25, reduction='mean', loss_weight=1.0):
        super().__init__()
        if not use_sigmoid:
            raise ValueError('TorchFocalLoss is a sigmoid focal loss: use_sigmoid must be True')
        self.use_sigmoid = use_sigmoid
        self.gamma, self.alpha = gamma, alpha
        self.reduction, self.loss_weight = reduction, loss_weight

    def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
        reduction = reduction_override or self.reduction
        num_classes = pred.size(1)
        onehot = F.one_hot(target, num_classes + 1)[:, :num_classes]
        loss = sigmoid_focal_loss(pred, onehot, self.alpha, self.gamma)
        if weight is not None and weight.shape != loss.shape:
            weight = weight.view(-1, 1) if weight.size(0) == loss.size(0) else weight.view(
                loss.size(0), -1)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class FocalRetinaHead(RetinaHead):
    """mmdet's ``RetinaHead`` with :class:`TorchFocalLoss` and torchvision NMS.

    Same layers, anchors, targets and decoding as ``RetinaHead`` (it is one); only the
    two places that need mmcv's CUDA kernels change. ``test_cfg.nms`` must be plain
    ``dict(type='nms', iou_threshold=...)``.
    """

    def __init__(self, *args, loss_cls=None, **kwargs):
        loss_cls = loss_cls or dict(
            type='TorchFocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0)
        super().__init__(*args, loss_cls=loss_cls, **kwargs)

    def _bbox_post_process(self, results, cfg, rescale=False, with_nms=True, img_meta=None):
        results = super()._bbox_post_process(
            results, cfg, rescale=rescale, with_nms=False, img_meta=img_meta)
        if not with_nms or len(results) == 0:
            return results
        nms = cfg.get('nms', {})
        if nms.get('type', 'nms') != 'nms':
            raise ValueError(f"FocalRetinaHead supports test_cfg.nms type 'nms' only, got "
                             f"{nms.get('type')!r}")
        keep = torchvision.ops.batched_nms(results.bboxes, results.scores, results.labels,
                                           float(nms['iou_threshold']))
        return results[keep[:cfg.max_per_img]]
