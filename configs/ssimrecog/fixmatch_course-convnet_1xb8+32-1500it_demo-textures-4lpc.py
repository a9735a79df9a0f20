# FixMatch with a mean teacher: the course's conv net learns from 4 labelled images per
# class plus the other 384 demo textures unlabelled (custom_modules/ssimrecog).
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_mmpretrain_iter.py',
    '../_base_/datasets/demo_textures_semi.py',
    '../_base_/schedules/adam_iter.py',
]
custom_imports = dict(imports=['custom_modules.ssimrecog'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    type='SemiSupervisedClassifier',
    classifier={{_base_.model}},
    # pseudo-labels at teacher confidence >= 0.95 (FixMatch's fixed threshold; options:
    # threshold_mode='self-adaptive', FreeMatch's, and distribution_alignment=True,
    # ReMixMatch's); the unsupervised weight ramps up to 1.0 over 200 iterations (sigmoid)
    semi_train_cfg=dict(
        threshold=0.95,
        unsup_weight=1.0,
        rampup_iters=200,
        threshold_mode='fixed',
        distribution_alignment=False),
    # normalises batches of one view (testing) or of two (training)
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean={{_base_.imagenet_mean}},
        std={{_base_.imagenet_std}},
        to_rgb=True))
# the teacher: an exponential moving average of the student
custom_hooks = [dict(type='MeanTeacherHook', momentum=0.01)]
