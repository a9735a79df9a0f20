# The course's TAMUCC 4-class model: MobileNetV2 from ImageNet weights with the course's
# head (GAP, dense 256 + ReLU, dropout 0.5) at 400 px, Adam, ramp-and-decay, early
# stopping. The weights: configs/_base_/pretrained.py (offline: see there).
_base_ = [
    '../_base_/models/mobilenet-v2_course-head.py',
    '../_base_/default_runtime_mmpretrain.py',
    '../_base_/datasets/tamucc4-400.py',
    '../_base_/schedules/course_adam_early-stop.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
