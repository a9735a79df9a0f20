# Demo object recognition: the course's RetinaNet made light for a CPU (ResNet-18, 64-channel
# FPN and heads, 16 px anchors at P3) for the small people of the 128 px demo beach frames.
# Trains in a few minutes.
_base_ = [
    '../_base_/models/retinanet_r18-fpn-light_course.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/demo_beach_people.py',
    '../_base_/schedules/course_sgd.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.01))  # the schedule's peak
param_scheduler = dict(ramp=2, start=1e-4, floor=1e-4)
train_cfg = dict(max_epochs=12)
