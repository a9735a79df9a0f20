# NWPU-RESISC45, the course's 11 natural classes, folder per class at 224 px:
# data/nwpu11/{train,val}/<class>/*.jpg (or set data_root).
_base_ = ['./course_augmentation.py', '../imagenet_normalisation.py']
data_root = 'data/nwpu11'
classes = ('beach', 'chaparral', 'desert', 'forest', 'island', 'lake', 'meadow', 'mountain',
           'river', 'sea_ice', 'wetland')
num_classes = len(classes)
img_size = 224
dataset_type = 'ImageFolderDataset'
data_preprocessor = dict(
    num_classes=num_classes,
    mean={{_base_.imagenet_mean}},
    std={{_base_.imagenet_std}},
    to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    {{_base_.course_augmentation}},
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        classes=classes,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='val',
        classes=classes,
        pipeline=test_pipeline))
val_evaluator = dict(type='ClassificationReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
