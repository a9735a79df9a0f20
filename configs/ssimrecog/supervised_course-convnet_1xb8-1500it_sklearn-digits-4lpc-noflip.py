# The supervised-only baseline of the tuned digits FixMatch config: its labelled images
# (40) and augmentation (no mirror flips), without the unlabelled images.
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/sklearn_digits-64_semi-noflip.py',
    '../_base_/schedules/adam_iter.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = {{_base_.labelled_only}}
