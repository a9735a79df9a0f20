# The course's RetinaNet (FocalRetinaHead) made light for a CPU: ResNet-18, 64-channel FPN
# and heads of 2 convs, small anchors (16 px at P3) for small objects. From scratch.
_base_ = ['./retinanet_r50-fpn_course.py']
model = dict(
    backbone=dict(depth=18, out_indices=(1, 2, 3), frozen_stages=-1, norm_eval=False),
    neck=dict(in_channels=[128, 256, 512], out_channels=64),
    bbox_head=dict(
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(octave_base_scale=2)))
