# Demo data for learning from few labels: the hard textures (colour says nothing about
# the class), 100 training images per class, of which `labels_per_class` are drawn as
# labelled with `split_seed`; the others are the unlabelled set (their labels hidden,
# used only to log pseudo-label accuracy). Generated on first use.
_base_ = ['../imagenet_normalisation.py']
demo_data = dict(family='ssimrecog', root='data/demo')
data_root = 'data/demo/ssimrecog'
classes = ('marsh', 'pebbles', 'ripples', 'water')
num_classes = len(classes)
img_size = 64  # every image is resized to the model's input size (a user's data too)
labels_per_class = 4
split_seed = 0
data_preprocessor = dict(
    num_classes=num_classes,
    mean={{_base_.imagenet_mean}},
    std={{_base_.imagenet_std}},
    to_rgb=True)
# Two views of every training image. Weak: flip and shift. Strong: weak, then two
# RandAugment operations and a cutout. Labelled images are learnt from their weak view.
weak_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=img_size, padding=8, padding_mode='reflect'),
]
rand_augment = dict(
    type='RandAugment',
    policies='timm_increasing',
    num_policies=2,
    total_level=10,
    magnitude_level=9,
    magnitude_std=0.5,
    hparams=dict(pad_val=[104, 116, 124]))
cutout = dict(
    type='RandomErasing',
    erase_prob=1.0,
    min_area_ratio=0.02,
    max_area_ratio=0.25,
    mode='const',
    fill_color=(128, 128, 128))
strong_view = weak_view + [rand_augment, cutout]
resize = dict(type='Resize', scale=(img_size, img_size))
weak_pipeline = [dict(type='LoadImageFromFile'), resize, *weak_view, dict(type='PackInputs')]
two_view_pipeline = [
    dict(type='LoadImageFromFile'),
    resize,
    dict(type='MultiView', num_views=[1, 1], transforms=[weak_view, strong_view]),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'hidden_label')),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    resize,
    dict(type='PackInputs'),
]
# One dataset yields both parts: labels_per_class images of each class drawn with
# split_seed keep their labels, the others are the unlabelled set (labelled_fraction=0.1
# instead draws 10 % of each class). 8 labelled + 32 unlabelled images a batch.
train_dataloader = dict(
    batch_size=40,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='LabelledUnlabelledSampler', batch_size=40, source_ratio=(1, 4)),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageFolderSplit',
        part='both',
        data_root=data_root,
        data_prefix='train',
        classes=classes,
        labels_per_class=labels_per_class,
        split_seed=split_seed,
        pipeline=two_view_pipeline))
val_dataloader = dict(
    batch_size=50,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageFolderDataset',
        data_root=data_root,
        data_prefix='val',
        classes=classes,
        pipeline=test_pipeline))
val_evaluator = dict(type='ClassificationReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
# The supervised-only baseline's change to train_dataloader: the labelled images alone,
# weak view, 8 a batch (`train_dataloader = {{_base_.labelled_only}}` merges it in).
labelled_only = dict(
    batch_size=8,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(part='labelled', pipeline=weak_pipeline))
