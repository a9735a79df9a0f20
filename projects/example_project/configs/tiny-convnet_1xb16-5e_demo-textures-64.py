# The example plugin's config: inherits the zoo's bases, loads the plugin by name.
# Run from the repository root:
#   python tools/train.py projects/example_project/configs/tiny-convnet_1xb16-5e_demo-textures-64.py
_base_ = [
    '../../../configs/_base_/default_runtime_mmpretrain.py',
    '../../../configs/_base_/datasets/demo_textures.py',
    '../../../configs/_base_/schedules/course_adam.py',
]
custom_imports = dict(
    imports=['custom_modules.imrecog', 'projects.example_project.tiny_convnet'],
    allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='TinyConvNet', base_channels=16, depth=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=64,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, )))
param_scheduler = dict(ramp=1)
train_cfg = dict(max_epochs=5)
