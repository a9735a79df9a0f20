# The course's OysterNet: oyster reef vs background, binary U-Net on 1000 px tiles
# (padded to 1024 in training for the 6 pooling levels). Masks: 0 background, 255 reef (+-9).
_base_ = [
    '../_base_/models/unet-course.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/obx-768.py',
    '../_base_/schedules/course_adam.py',
]
data_root = 'data/oysternet'
metainfo = dict(classes=('background', 'reef'), palette=[[40, 60, 80], [200, 160, 90]])
crop_size = (1000, 1000)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadValueMapAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
dataset = dict(data_root=data_root, metainfo=metainfo, value_map={0: 0, 255: 1}, binary_class=None)
train_dataloader = dict(batch_size=2, dataset=dict(**dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
# Sliding windows of 960 px (a multiple of 64, as the 6 pooling levels need) over the tiles.
model = dict(test_cfg=dict(mode='slide', crop_size=(960, 960), stride=(640, 640)))
