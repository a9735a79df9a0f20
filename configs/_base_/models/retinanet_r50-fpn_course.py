# The course's RetinaNet, as changes to mmdet's: ResNet-50, FPN P3-P7 with 256 channels (P6
# a stride-2 conv on C5, P7 a stride-2 conv on ReLU(P6)), heads of 4 x (3x3 conv 256 +
# ReLU), class bias prior 0.01, anchors ratios {0.5, 1, 2} x scales 2^{0, 1/3, 2/3}, sizes
# 32^2..512^2 on strides 8..128, deltas scaled by [0.1, 0.1, 0.2, 0.2], IoU >= 0.5
# positive / < 0.4 negative, focal loss (alpha 0.25, gamma 2) + smooth L1 (delta 1), both
# averaged over the positives; inference: sigmoid scores, NMS IoU 0.5, at most 100
# detections. FocalRetinaHead computes all of it without mmcv's CUDA kernels.
# Pretrained weights: `load_from` or backbone `init_cfg` with your checkpoint path or URL.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'
model = dict(
    backbone=dict(out_indices=(1, 2, 3), init_cfg=None),  # C3-C5; from scratch
    neck=dict(in_channels=[512, 1024, 2048], start_level=0, relu_before_extra_convs=True),
    bbox_head=dict(
        type='FocalRetinaHead',
        num_classes=1,
        bbox_coder=dict(target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_cls=dict(type='TorchFocalLoss'),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0)))
