# Real georeferenced data through the raster path: the from-scratch AdamW tree-crown recipe
# trained from a GeoTIFF and a GeoPackage instead of picture tiles. NEON's 10 cm orthophoto
# OSBS_029.tif (UTM 17N, 400 x 400 px) with its 61 hand-drawn crowns as map polygons, as
# the deepforest package ships them (MIT; NEON data CC0 1.0, now CC BY 4.0). Data:
#   python tools/dataset_converters/neon_osbs_raster.py
# Training windows (200 px, around each crown, seeded) come from the west half of the
# raster (31 crowns); the east half (30 crowns) is only ever tested on, in two windows.
_base_ = ['./retinanet-adamw_r18-fpn-gn_1xb4-100e_deepforest-trees-400.py']
data_root = 'data/neon-osbs/'
reading = dict(type='LoadRasterWindow', bands=(1, 2, 3))  # 8-bit RGB, used as it is
train_pipeline = [
    reading,
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=(200, 200), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(200, 200), allow_negative_crop=True),
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25, 0.25],
        direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    reading,
    dict(type='Resize', scale=(200, 200), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'instances')),
]
raster = dict(
    _delete_=True,
    type='RasterBoxDataset',
    data_root=data_root,
    metainfo=dict(classes=('tree', ), palette=[(34, 139, 34)]),
    raster='OSBS_029.tif',
    labels='OSBS_029_crowns.gpkg',
    class_field='class')
train_dataloader = dict(
    dataset=dict(
        windows=dict(size=200, sampler='labels', seed=0, region=(0, 0, 0.5, 1)),
        pipeline=train_pipeline,
        **raster))
val_dataloader = dict(
    dataset=dict(
        windows=dict(size=200, sampler='grid', region=(0.5, 0, 1, 1)),
        test_mode=True,
        pipeline=test_pipeline,
        **raster))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=100, val_interval=10)
