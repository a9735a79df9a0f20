# SECOORA WebCAT beach webcam frames (1280x720), one class `person`, boxes in the course's
# CSV (filename,width,height,class,xmin,ymin,xmax,ymax). Put the frames in
# data/secoora/images/ and train.csv / val.csv in data/secoora/, or set data_root.
# Short side 800 for testing; multi-scale training with short sides 640-1024.
data_root = 'data/secoora/'
metainfo = dict(classes=('person', ), palette=[(220, 20, 60)])
dataset_type = 'CourseCSVDataset'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, s) for s in range(640, 1025, 64)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='train.csv',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='val.csv',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=test_pipeline))
# COCO mAP from the dataset's own boxes (no COCO file needed), and the course's counts.
val_evaluator = [
    dict(type='ZooCocoMetric', metric='bbox'),
    dict(type='CountingMetric', score_thr=0.5),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
