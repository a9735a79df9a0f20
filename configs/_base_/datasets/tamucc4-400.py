# TAMUCC oblique aerial photos, the course's flat layout: <split>/<class>_IMG_<n>.jpg
# with the class list in classes.json, at the course's 400 px. Put the data in
# data/tamucc4/{train,val}/ and data/tamucc4/classes.json, or set data_root.
_base_ = ['./course_augmentation.py', '../imagenet_normalisation.py']
data_root = 'data/tamucc4'
num_classes = 4
img_size = 400
dataset_type = 'FlatPrefixDataset'
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
        classes_file='classes.json',
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
        classes_file='classes.json',
        pipeline=test_pipeline))
val_evaluator = dict(type='ClassificationReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
