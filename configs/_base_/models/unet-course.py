# The course's U-Net: CourseUNetEncoder (banks of 3x3 convs doubling the filters, each
# followed by 2x2 max pooling; the course used 6) and UNetTransposeHead (transposed-conv
# upsampling, concatenated skips, 1x1 conv). Binary by default: 1 output channel with a
# sigmoid, threshold 0.5, Dice loss (mmseg 1.x `out_channels=1` convention).
_base_ = ['../imagenet_normalisation.py']
norm_cfg = dict(type='BN', requires_grad=True)
depth = 6
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean={{_base_.imagenet_mean}},
        std={{_base_.imagenet_std}},
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size_divisor=2**depth),
    backbone=dict(type='CourseUNetEncoder', base_channels=16, depth=depth, norm_cfg=norm_cfg),
    decode_head=dict(
        type='UNetTransposeHead',
        in_channels=[16 * 2**i for i in range(depth + 1)],
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='BinaryDiceLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
