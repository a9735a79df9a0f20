# The supervised-only baseline of the digits FixMatch config: the same model, labelled
# images (40), weak augmentation and schedule, without the unlabelled images.
#   python tools/dataset_converters/sklearn_digits.py
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/sklearn_digits-64_semi.py',
    '../_base_/schedules/adam_iter.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = {{_base_.labelled_only}}
