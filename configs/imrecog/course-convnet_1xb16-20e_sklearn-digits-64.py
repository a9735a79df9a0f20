# The demo's course conv net on real scans of handwritten digits, data changed only: what a
# user gets out of the box. Data: python tools/dataset_converters/sklearn_digits.py
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/sklearn_digits-64.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
param_scheduler = dict(ramp=2)
train_cfg = dict(max_epochs=20)
