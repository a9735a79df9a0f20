# Demo: the course's small conv net (base 30, 4 blocks) on the 4-class demo textures.
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/demo_textures.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
param_scheduler = dict(ramp=2)
train_cfg = dict(max_epochs=20)
