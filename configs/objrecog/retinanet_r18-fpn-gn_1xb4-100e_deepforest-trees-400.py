# A recipe that learns a few dozen real aerial tiles from scratch (no pretrained weights):
# the light course RetinaNet made wider (128 channels, heads of 4 convs) with GroupNorm in
# the FPN and the heads (as FCOS/ATSS train from scratch), scale jitter with random crops
# and flips in every direction (aerial views have no "up"), 16 px anchors at P3 for the
# small crowns, and a longer, slower-decaying schedule. Measured against the out-of-the-box
# config and torchvision's RetinaNet in configs/objrecog/README.md. Data:
#   python tools/dataset_converters/deepforest_trees.py
_base_ = ['./retinanet_r18-fpn_1xb4-24e_deepforest-trees-400.py']
norm = dict(type='GN', num_groups=32, requires_grad=True)
model = dict(
    neck=dict(out_channels=128, norm_cfg=norm),
    bbox_head=dict(in_channels=128, feat_channels=128, stacked_convs=4, norm_cfg=norm))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=(400, 400), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(400, 400), allow_negative_crop=True),
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25, 0.25],
        direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='PackDetInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
param_scheduler = dict(decay=0.97)
# 100 epochs of 33 tiles: 27 minutes on one core of our CPU machine; validation (9 tiles)
# every 5 epochs
train_cfg = dict(max_epochs=100, val_interval=5)
