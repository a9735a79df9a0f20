# NWPU-RESISC45, 11 natural classes at 224 px: MobileNetV2 from ImageNet weights
# (configs/_base_/pretrained.py) with the course's head.
_base_ = [
    '../_base_/models/mobilenet-v2_course-head.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/nwpu11-224.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
