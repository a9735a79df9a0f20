# Demo geospatial segmentation: a 1024 px 4-band (R, G, B, NIR) 16-bit GeoTIFF orthomosaic
# (UTM 17N, 0.5 m, nodata in a corner) and sand polygons in a GeoPackage in WGS 84
# (reprojected on reading), generated on first use by custom_modules/demo_data.py. The
# polygons cover all the sand, so every pixel outside them is water (unlabelled='water';
# for a few polygons per class, leave unlabelled pixels out: 'ignore'). Training windows
# are drawn from the left three quarters of the raster, validation windows tile the right
# quarter, so none overlaps a training one.
demo_data = dict(family='geo', root='data/demo')
data_root = 'data/demo/geo/'
metainfo = dict(classes=('water', 'sand'), palette=[[40, 90, 200], [230, 200, 120]])
# How raster values become input (copied into model.json by the exporter): all four bands,
# the 16-bit range used (0-10200) stretched onto 0-255
raster_reading = dict(bands=(1, 2, 3, 4), scaling=dict(type='minmax', min=0, max=10200))
train_pipeline = [
    dict(type='LoadRasterWindow', **raster_reading),
    dict(type='RandomFlip', prob=[0.25, 0.25], direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadRasterWindow', **raster_reading),
    dict(type='PackSegInputs'),
]
raster_dataset = dict(
    type='RasterMaskDataset',
    data_root=data_root,
    metainfo=metainfo,
    raster='mosaic.tif',
    labels='shoreline.gpkg',
    class_field='class',
    unlabelled='water')
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        windows=dict(size=128, sampler='random', count=160, seed=0, region=(0, 0, 0.75, 1)),
        pipeline=train_pipeline,
        **raster_dataset))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        windows=dict(size=128, sampler='grid', region=(0.75, 0, 1, 1)),
        test_mode=True,
        pipeline=test_pipeline,
        **raster_dataset))
val_evaluator = dict(type='SegReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
