# Demo geospatial detection: people on the sand of the demo 16-bit GeoTIFF orthomosaic (its
# R, G, B bands), boxes in a GeoPackage (UTM 17N), generated on first use by
# custom_modules/demo_data.py. Training windows around the labels in the left three quarters
# of the raster; validation windows tile the right quarter.
demo_data = dict(family='geo', root='data/demo')
data_root = 'data/demo/geo/'
metainfo = dict(classes=('person', ), palette=[(220, 20, 60)])
raster_reading = dict(bands=(1, 2, 3), scaling=dict(type='minmax', min=0, max=10200))
img_scale = (128, 128)  # the windows' own size: the detector's scale factors
train_pipeline = [
    dict(type='LoadRasterWindow', **raster_reading),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=[0.25, 0.25], direction=['horizontal', 'vertical']),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadRasterWindow', **raster_reading),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances')),
]
raster_dataset = dict(
    type='RasterBoxDataset',
    data_root=data_root,
    metainfo=metainfo,
    raster='mosaic.tif',
    labels='people.gpkg',
    class_field='class')
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        windows=dict(size=128, sampler='labels', seed=0, region=(0, 0, 0.75, 1)),
        pipeline=train_pipeline,
        **raster_dataset))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        windows=dict(size=128, sampler='grid', region=(0.75, 0, 1, 1)),
        test_mode=True,
        pipeline=test_pipeline,
        **raster_dataset))
# COCO mAP from the windows' own boxes (no annotation file) and the course's counts
val_evaluator = [
    dict(type='ZooCocoMetric', metric='bbox'),
    dict(type='CountingMetric', score_thr=0.5),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
