# FixMatch tuned for the few-label digits on the validation split: no mirror flips
# (sklearn_digits-64_semi-noflip.py), FreeMatch's self-adaptive per-class thresholds and
# ReMixMatch's distribution alignment instead of the fixed 0.95 threshold.
#   python tools/dataset_converters/sklearn_digits.py
_base_ = [
    '../_base_/models/fixmatch_course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/sklearn_digits-64_semi-noflip.py',
    '../_base_/schedules/adam_iter.py',
]
model = dict(
    classifier=dict(head=dict(num_classes={{_base_.num_classes}})),
    semi_train_cfg=dict(threshold_mode='self-adaptive', distribution_alignment=True))
