# The course's OBX binary U-Net: dry sand vs the rest (derived from the 4-class masks),
# 1 output channel with a sigmoid, Dice loss, Adam, 768 px tiles.
_base_ = [
    '../_base_/models/unet-course.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/obx-768.py',
    '../_base_/schedules/course_adam.py',
]
metainfo = dict(classes=('other', 'dry_sand'), palette=[[60, 120, 160], [230, 200, 120]])
train_dataloader = dict(dataset=dict(binary_class=3, metainfo=metainfo))
val_dataloader = dict(dataset=dict(binary_class=3, metainfo=metainfo))
test_dataloader = val_dataloader
model = dict(test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
