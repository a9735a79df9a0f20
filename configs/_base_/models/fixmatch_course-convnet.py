# FixMatch with a mean teacher around the course's conv net (custom_modules/ssimrecog):
# the model owns its loss and pseudo-labelling (semi_train_cfg), MeanTeacherHook keeps the
# teacher an exponential moving average of the student. Its data preprocessor is the
# dataset base's `data_preprocessor` (mean, std, to_rgb), made two-view by the model.
_base_ = ['./course-convnet.py']
model = dict(
    _delete_=True,
    type='SemiSupervisedClassifier',
    classifier={{_base_.model}},
    # semi_train_cfg: the model's defaults (SEMI_TRAIN_DEFAULTS, custom_modules/ssimrecog/
    # models.py) apply to every key not given here: pseudo-labels at teacher confidence >=
    # threshold=0.95 (FixMatch's; threshold_mode='self-adaptive' is FreeMatch's, 'soft'
    # SoftMatch's weights), no distribution_alignment (True: ReMixMatch's alignment
    # towards uniform classes; 'labelled': towards the labelled images' class shares, its
    # own target), the unsupervised weight unsup_weight=1.0 ramped up over
    # rampup_iters=200 (sigmoid), running statistics with ema_decay=0.999
    semi_train_cfg=dict())
# the teacher: an exponential moving average of the student; what its pseudo-labels do,
# every 50 iterations (pseudo_labels.csv, summary.md), and one line if they collapse
custom_hooks = [dict(type='MeanTeacherHook', decay=0.99), dict(type='PseudoLabelHook')]
