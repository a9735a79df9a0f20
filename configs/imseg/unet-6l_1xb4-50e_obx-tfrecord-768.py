# The OBX 4-class U-Net trained from the course's segmentation TFRecord shards instead of
# image and mask folders: <data_root>/{train,val}-*.tfrec, each record an `image` and a
# `label` (JPEG/PNG bytes; label values mapped as in obx-768.py), read without TensorFlow
# (TFRecordSegDataset, LoadPairFromBytes).
_base_ = ['./unet-6l_1xb4-50e_obx-4class-768.py']
data_root = 'data/obx-tfrecord'
tfrecords = dict(
    type='TFRecordSegDataset',
    data_root=data_root,
    metainfo={{_base_.metainfo}},
    value_map={{_base_.value_map}},
    tolerance=9)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        shards='train-*.tfrec',
        pipeline=[
            dict(type='LoadPairFromBytes'),
            dict(type='RandomResize', scale=(1024, 768), ratio_range=(0.75, 1.5), keep_ratio=True),
            dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.9),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackSegInputs'),
        ],
        **tfrecords))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        shards='val-*.tfrec',
        pipeline=[dict(
            type='LoadPairFromBytes'), dict(type='PackSegInputs')],
        **tfrecords))
test_dataloader = val_dataloader
