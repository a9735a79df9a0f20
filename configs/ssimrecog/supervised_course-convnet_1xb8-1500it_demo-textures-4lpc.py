# The supervised-only baseline of the FixMatch config: the same model, labelled images,
# weak augmentation and schedule, without the unlabelled images.
_base_ = [
    '../_base_/models/course-convnet.py',
    '../_base_/default_runtime_mmpretrain_iter.py',
    '../_base_/datasets/demo_textures_semi.py',
    '../_base_/schedules/adam_iter.py',
]
custom_imports = dict(imports=['custom_modules.ssimrecog'], allow_failed_imports=False)
train_dataloader = dict(
    batch_size=8,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(part='labelled', pipeline={{_base_.weak_pipeline}}))
