# The course's OBX 4-class U-Net: 6 encoder banks, transposed-conv decoder, softmax over
# deep water / whitewater / shallow / dry sand, cross-entropy, Adam, 768 px tiles, sliding
# window over whole images at test time.
_base_ = [
    '../_base_/models/unet-course.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/obx-768.py',
    '../_base_/schedules/course_adam.py',
]
model = dict(
    decode_head=dict(
        num_classes=4,
        out_channels=4,
        threshold=None,
        loss_decode=dict(
            _delete_=True, type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
