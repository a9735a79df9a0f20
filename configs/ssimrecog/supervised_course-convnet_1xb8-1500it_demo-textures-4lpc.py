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
    _delete_=True,
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageFolderSplit',
        part='labelled',
        data_root={{_base_.data_root}},
        data_prefix='train',
        classes={{_base_.classes}},
        labels_per_class={{_base_.labels_per_class}},
        split_seed={{_base_.split_seed}},
        pipeline={{_base_.weak_pipeline}}))
