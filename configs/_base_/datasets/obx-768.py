# OBX (Outer Banks) surf-zone imagery: images/<split>/*.jpg with greyscale masks
# masks/<split>/*.jpg whose values are the classes (63 deep water, 128 whitewater,
# 191 shallow/saturated, 255 dry sand), JPEG-compressed: values within +-9 accepted.
# 768 px tiles as in the course; large images are predicted with a sliding window.
data_root = 'data/obx'
metainfo = dict(
    classes=('deep_water', 'whitewater', 'shallow', 'dry_sand'),
    palette=[[20, 40, 120], [240, 240, 240], [60, 160, 200], [230, 200, 120]])
value_map = {63: 0, 128: 1, 191: 2, 255: 3}
binary_class = None  # the binary configs set 3: dry sand vs the rest
dataset_type = 'MaskFolderDataset'
crop_size = (768, 768)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadValueMapAnnotations'),
    dict(type='RandomResize', scale=(1024, 768), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadValueMapAnnotations'),
    dict(type='PackSegInputs'),
]
dataset = dict(
    type=dataset_type,
    data_root=data_root,
    metainfo=metainfo,
    img_suffix='.jpg',
    seg_map_suffix='.jpg',
    value_map=value_map,
    tolerance=9,
    binary_class=binary_class)
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        **dataset,
        pipeline=train_pipeline,
        data_prefix=dict(img_path='images/train', seg_map_path='masks/train')))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **dataset,
        pipeline=test_pipeline,
        data_prefix=dict(img_path='images/val', seg_map_path='masks/val')))
val_evaluator = dict(type='SegReport')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
