# TAMUCC 2-class: MobileNetV2 backbone from ImageNet weights (configs/_base_/pretrained.py),
# frozen (only the course's head trains). Another mmpretrain MobileNetV2 checkpoint:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/or/url/to/mobilenet_v2.pth
# (`prefix` picks its backbone weights).
# Frozen as the course did (Keras `trainable=False`): stages 0-7 by `frozen_stages`, batch
# norm statistics by `norm_eval`, and the last 1x1 conv (which `frozen_stages` cannot
# reach) by a zero learning rate.
_base_ = [
    '../_base_/models/mobilenet-v2_course-head.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/tamucc2-400.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True), head=dict(num_classes={{_base_.num_classes}}))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone.conv2': dict(lr_mult=0.0)}))
