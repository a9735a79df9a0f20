# Demo image segmentation: the course's U-Net, made small for a CPU (4 banks from 16
# filters), binary sand-vs-water with Dice loss on the 64 px demo scenes. CPU: minutes.
_base_ = [
    '../_base_/models/unet-course.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/demo_shoreline.py',
    '../_base_/schedules/course_adam.py',
]
model = dict(
    data_preprocessor=dict(size_divisor=16),
    backbone=dict(depth=4),
    decode_head=dict(in_channels=[16, 32, 64, 128, 256]))
param_scheduler = dict(ramp=2)
train_cfg = dict(max_epochs=15)
