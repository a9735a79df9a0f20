# The demo RetinaNet (ResNet-18, 64-channel FPN and heads, from scratch) on real aerial tree
# crowns, with the demo's schedule: what a user gets out of the box. Data:
#   python tools/dataset_converters/deepforest_trees.py
_base_ = [
    '../_base_/models/retinanet_r18-fpn-light_course.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/deepforest_trees-400.py',
    '../_base_/schedules/course_sgd.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.01))  # the schedule's peak
param_scheduler = dict(ramp=2, start=1e-4, floor=1e-4)
train_cfg = dict(max_epochs=24)
