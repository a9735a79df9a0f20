# NWPU-RESISC45, 11 natural classes at 224 px: the course's deeper small conv net
# (6 blocks: 30, 60, ..., 180 filters), Adam, ramp-and-decay, early stopping.
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/nwpu11-224.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(backbone=dict(depth=6), head=dict(in_channels=180, num_classes={{_base_.num_classes}}))
