# Demo image recognition data: 4 texture classes, folder per class, 64x64
# (generated on first use by custom_modules/demo_data.py).
demo_data = dict(family='imrecog', root='data/demo')
data_root = 'data/demo/imrecog'
classes = ('marsh', 'pebbles', 'ripples', 'water')
num_classes = len(classes)
dataset_type = 'ImageFolderDataset'
data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
# The course's augmentation (flip, small rotation, translation, contrast) on training
# only; validation and test images are never augmented.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Rotate', magnitude_range=(0, 10), magnitude_std='inf', prob=0.5),
    dict(type='Translate', magnitude_range=(0, 0.1), magnitude_std='inf', prob=0.5,
         direction='horizontal'),
    dict(type='Translate', magnitude_range=(0, 0.1), magnitude_std='inf', prob=0.5,
         direction='vertical'),
    dict(type='Contrast', magnitude_range=(0, 0.3), magnitude_std='inf', prob=0.5),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train',
                 classes=classes, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val',
                 classes=classes, pipeline=test_pipeline))
val_evaluator = dict(type='ClassificationReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
