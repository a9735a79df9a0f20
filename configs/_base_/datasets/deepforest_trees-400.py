# Real aerial imagery: NEON RGB orthophotos (10 cm) of Yellowstone with hand-drawn tree-crown
# boxes, as the deepforest package ships them (MIT licence), cut into 400 px tiles in the
# course's CSV layout by tools/dataset_converters/deepforest_trees.py:
#   train: 33 tiles, 543 crowns; val: 9 tiles of the same image (for choosing a recipe);
#   test: 12 tiles of another place, 400 crowns (the zoo's figures).
# Crowns are small: median 39 px, 5 % under 16 px.
data_root = 'data/deepforest-trees/'
metainfo = dict(classes=('tree', ), palette=[(34, 139, 34)])
dataset_type = 'CourseCSVDataset'
img_scale = (400, 400)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances')),
]
csv_dataset = dict(
    type=dataset_type, data_root=data_root, metainfo=metainfo, data_prefix=dict(img='images/'))
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(ann_file='train.csv', pipeline=train_pipeline, **csv_dataset))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(ann_file='val.csv', test_mode=True, pipeline=test_pipeline, **csv_dataset))
test_dataloader = {  # the same, on the test tiles
    **val_dataloader, 'dataset': {
        **val_dataloader['dataset'], 'ann_file': 'test.csv'
    }
}
# COCO mAP (at most 100 boxes an image is plenty: a tile has up to about 40 crowns) and the
# course's counts.
val_evaluator = [
    dict(type='ZooCocoMetric', metric='bbox'),
    dict(type='CountingMetric', score_thr=0.5),
]
test_evaluator = val_evaluator
