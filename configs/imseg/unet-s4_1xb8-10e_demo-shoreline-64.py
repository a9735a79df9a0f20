# Demo image segmentation: a stock mmseg U-Net (4 stages, 16 base channels) with an FCN
# head on the demo water/sand scenes. CPU: minutes.
_base_ = [
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/demo_shoreline.py',
    '../_base_/schedules/course_adam.py',
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size={{_base_.crop_size}}),
    backbone=dict(
        type='UNet', in_channels=3, base_channels=16, num_stages=4,
        strides=(1, 1, 1, 1), enc_num_convs=(2, 2, 2, 2), dec_num_convs=(2, 2, 2),
        downsamples=(True, True, True), enc_dilations=(1, 1, 1, 1),
        dec_dilations=(1, 1, 1), with_cp=False, conv_cfg=None, norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'), upsample_cfg=dict(type='InterpConv'), norm_eval=False),
    decode_head=dict(
        type='FCNHead', in_channels=16, in_index=3, channels=16, num_convs=1,
        concat_input=False, dropout_ratio=0.1, num_classes=2, norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
param_scheduler = dict(ramp=2)
train_cfg = dict(max_epochs=10)
