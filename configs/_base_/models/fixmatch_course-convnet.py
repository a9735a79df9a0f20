# FixMatch with a mean teacher around the course's conv net (custom_modules/ssimrecog):
# the model owns its loss and pseudo-labelling (semi_train_cfg), MeanTeacherHook keeps the
# teacher an exponential moving average of the student. Its data preprocessor is the
# dataset base's `data_preprocessor` (mean, std, to_rgb), made two-view by the model.
_base_ = ['./course-convnet.py']
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
        distribution_alignment=False))
# the teacher: an exponential moving average of the student
custom_hooks = [dict(type='MeanTeacherHook', decay=0.99)]
