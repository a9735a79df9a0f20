# MobileNetV2 from ImageNet weights (configs/_base_/pretrained.py) with the course's head:
# global average pooling, dense 256 + ReLU, dropout 0.5, linear classifier (mmpretrain's
# StackedLinearClsHead does exactly that).
_base_ = ['../pretrained.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.0,
        init_cfg=dict(
            type='Pretrained', checkpoint={{_base_.mobilenet_v2_imagenet}}, prefix='backbone')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='StackedLinearClsHead',
        num_classes=4,
        in_channels=1280,
        mid_channels=[256],
        dropout_rate=0.5,
        act_cfg=dict(type='ReLU'),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
