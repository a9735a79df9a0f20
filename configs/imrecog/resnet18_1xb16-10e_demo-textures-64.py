# Demo image recognition with a stock mmpretrain backbone: ResNet-18 on the 4-class demo
# textures (swap `model` or its `_base_` for any mmpretrain backbone). CPU: ~1 minute.
_base_ = [
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/demo_textures.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
param_scheduler = dict(ramp=2)  # short run: 2-epoch ramp instead of 5
train_cfg = dict(max_epochs=10)
