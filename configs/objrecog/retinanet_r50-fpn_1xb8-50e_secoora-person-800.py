# The course's RetinaNet for counting people on SECOORA beach webcam frames: ResNet-50
# FPN, short side 800 (multi-scale 640-1024 in training), SGD momentum 0.9 with the
# course's ramp-and-decay learning rate. Starts from mmdet's COCO RetinaNet
# (configs/_base_/pretrained.py; offline, see there; another: --cfg-options load_from=...).
_base_ = [
    '../_base_/models/retinanet_r50-fpn_course.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/secoora_people_csv-800.py',
    '../_base_/schedules/course_sgd.py',
    '../_base_/pretrained.py',
]
load_from = {{_base_.retinanet_r50_fpn_coco}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # the schedule's peak
param_scheduler = dict(start=1e-4, floor=1e-4)
