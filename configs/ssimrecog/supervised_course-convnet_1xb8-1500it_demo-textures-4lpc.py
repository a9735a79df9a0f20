# The supervised-only baseline of the FixMatch config: the same model, labelled images,
# weak augmentation and schedule, without the unlabelled images.
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/demo_textures_semi.py',
    '../_base_/schedules/adam_iter.py',
]
train_dataloader = {{_base_.labelled_only}}
