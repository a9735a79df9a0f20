# Demo object recognition: the course's RetinaNet (FocalRetinaHead) made light for a CPU:
# ResNet-18, 64-channel FPN and heads, small anchors (16 px at P3) for the small people
# of the 128 px demo beach frames. Trains in a few minutes.
_base_ = [
    '../_base_/models/retinanet_r50-fpn_course.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/demo_beach_people.py',
    '../_base_/schedules/course_sgd.py',
]
model = dict(
    backbone=dict(depth=18, out_indices=(1, 2, 3), frozen_stages=-1, norm_eval=False),
    neck=dict(in_channels=[128, 256, 512], out_channels=64),
    bbox_head=dict(
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(octave_base_scale=2)))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # the schedule's peak
param_scheduler = dict(ramp=2, start=1e-4, floor=1e-4)
train_cfg = dict(max_epochs=12)
