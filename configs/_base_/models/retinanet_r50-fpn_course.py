# The course's RetinaNet: ResNet-50, FPN P3-P7 with 256 channels (P6 a stride-2 conv on
# C5, P7 a stride-2 conv on ReLU(P6)), heads of 4 x (3x3 conv 256 + ReLU), class bias
# prior 0.01, anchors ratios {0.5, 1, 2} x scales 2^{0, 1/3, 2/3}, sizes 32^2..512^2 on
# strides 8..128, deltas scaled by [0.1, 0.1, 0.2, 0.2], IoU >= 0.5 positive / < 0.4
# negative, focal loss (alpha 0.25, gamma 2) + smooth L1 (delta 1), both averaged over
# the positives; inference: sigmoid scores, NMS IoU 0.5, at most 100 detections.
# FocalRetinaHead computes all of it without mmcv's CUDA kernels.
# Pretrained weights: `load_from` or backbone `init_cfg` with your checkpoint path or URL.
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet', depth=50, num_stages=4, out_indices=(1, 2, 3), frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, style='pytorch'),
    neck=dict(
        type='FPN', in_channels=[512, 1024, 2048], out_channels=256, start_level=0,
        add_extra_convs='on_input', relu_before_extra_convs=True, num_outs=5),
    bbox_head=dict(
        type='FocalRetinaHead',
        num_classes=1,
        in_channels=256,
        stacked_convs=4,
        feat_channels=256,
        anchor_generator=dict(
            type='AnchorGenerator', octave_base_scale=4, scales_per_octave=3,
            ratios=[0.5, 1.0, 2.0], strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0],
            target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_cls=dict(type='TorchFocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                      min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000, min_bbox_size=0, score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5), max_per_img=100))
