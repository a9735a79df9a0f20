# Demo image recognition data: 4 texture classes, folder per class, 64x64
# (generated on first use by custom_modules/demo_data.py).
_base_ = ['./course_augmentation.py', '../imagenet_normalisation.py']
demo_data = dict(family='imrecog', root='data/demo')
data_root = 'data/demo/imrecog'
classes = ('marsh', 'pebbles', 'ripples', 'water')
num_classes = len(classes)
img_size = 64  # every image is resized to the model's input size (a user's data too)
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
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        classes=classes,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
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
