# The demo's FixMatch (distribution alignment on) on labelled images you chose and a
# separate folder of unlabelled images:
# <data_root>/labelled/<class>/*.png (any imrecog layout works), <data_root>/unlabelled/**
# (UnlabelledImageFolder; or a list file with ann_file, and optionally a truth_file
# '<path> <class index>' to monitor pseudo-label accuracy), <data_root>/val/<class>/*.png.
# The two datasets are joined by a ConcatDataset, labelled first; its class list is the
# labelled dataset's (ignore_keys: the unlabelled folder has none).
_base_ = ['./fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py']
# The two views, as in demo_textures_semi.py. Mirror flips: write flip = [] where a
# mirrored image is another class (digits, letters).
flip = [dict(type='RandomFlip', prob=0.5, direction='horizontal')]
weak_view = flip + [
    dict(type='RandomCrop', crop_size={{_base_.img_size}}, padding=8, padding_mode='reflect')
]
strong_view = weak_view + [{{_base_.rand_augment}}, {{_base_.cutout}}]
two_view_pipeline = [
    dict(type='LoadImageFromFile'),
    {{_base_.resize}},
    dict(type='MultiView', num_views=[1, 1], transforms=[weak_view, strong_view]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'hidden_label')),
]
data_root = 'data/mine'
classes = {{_base_.classes}}
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        ignore_keys=['classes'],
        datasets=[
            dict(
                type='ImageFolderDataset',
                data_root=data_root,
                data_prefix='labelled',
                classes=classes,
                pipeline=two_view_pipeline),
            dict(
                type='UnlabelledImageFolder',
                data_root=data_root,
                data_prefix='unlabelled',
                pipeline=two_view_pipeline),
        ]))
val_dataloader = dict(dataset=dict(data_root=data_root, data_prefix='val'))
test_dataloader = val_dataloader
