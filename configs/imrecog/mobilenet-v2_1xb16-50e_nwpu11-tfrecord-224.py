# The NWPU 11-class MobileNetV2 trained from the course's TFRecord shards instead of image
# folders: <data_root>/{train,val}-*.tfrec, each record an `image` (JPEG bytes) and a
# `class` (int64 index into `classes`), read without TensorFlow (TFRecordClsDataset).
_base_ = ['./mobilenet-v2_1xb16-50e_nwpu11-224.py']
data_root = 'data/nwpu11-tfrecord'
img_size = {{_base_.img_size}}
tfrecords = dict(type='TFRecordClsDataset', data_root=data_root, classes={{_base_.classes}})
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        shards='train-*.tfrec',
        pipeline=[
            dict(type='LoadImageFromBytes'),
            dict(type='Resize', scale=(img_size, img_size)),
            {{_base_.course_augmentation}},
            dict(type='PackInputs'),
        ],
        **tfrecords))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        shards='val-*.tfrec',
        pipeline=[
            dict(type='LoadImageFromBytes'),
            dict(type='Resize', scale=(img_size, img_size)),
            dict(type='PackInputs'),
        ],
        **tfrecords))
test_dataloader = val_dataloader
