# Demo object recognition data: people on beach frames, 128x128, COCO JSON boxes
# (generated on first use by custom_modules/demo_data.py).
demo_data = dict(family='objrecog', root='data/demo')
data_root = 'data/demo/objrecog/'
metainfo = dict(classes=('person', ), palette=[(220, 20, 60)])
# mmdet's CocoDataset, checked up front with the on_bad policy (custom_modules.objrecog)
dataset_type = 'CheckedCocoDataset'
backend_args = None
img_scale = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='images/train/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='images/val/'),
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = [
    dict(type='ZooCocoMetric', ann_file=data_root + 'annotations/val.json', metric='bbox'),
    dict(type='CountingMetric', score_thr=0.5),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
