# The few-label digits (sklearn_digits-64_semi.py) without mirror flips in either view:
# a mirrored digit is another glyph (or none), unlike the demo textures. Chosen on the
# validation split (docs: configs/ssimrecog/README.md, "Real data").
_base_ = ['./sklearn_digits-64_semi.py']
weak_view = [
    dict(type='RandomCrop', crop_size={{_base_.img_size}}, padding=8, padding_mode='reflect')
]
strong_view = weak_view + [{{_base_.rand_augment}}, {{_base_.cutout}}]
weak_pipeline = [
    dict(type='LoadImageFromFile'), {{_base_.resize}}, *weak_view,
    dict(type='PackInputs')
]
two_view_pipeline = [
    dict(type='LoadImageFromFile'),
    {{_base_.resize}},
    dict(type='MultiView', num_views=[1, 1], transforms=[weak_view, strong_view]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'hidden_label')),
]
train_dataloader = dict(dataset=dict(pipeline=two_view_pipeline))
labelled_only = dict(dataset=dict(pipeline=weak_pipeline))
