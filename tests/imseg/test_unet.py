"""The course's U-Net encoder and the transposed-conv decoder over several encoders."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import custom_modules.imseg  # noqa: F401 (registration)
from custom_modules.errors import ZooError
from custom_modules.imseg.models import BinaryDiceLoss, binary_dice_loss

NORM = dict(type='BN')


def build(cfg):
    init_default_scope('mmseg')
    return MODELS.build(cfg)


def head(in_channels, **kwargs):
    kwargs.setdefault('num_classes', 2)
    return build(
        dict(
            type='UNetTransposeHead',
            in_channels=in_channels,
            norm_cfg=NORM,
            loss_decode=dict(type='CrossEntropyLoss'),
            **kwargs))


@pytest.mark.parametrize('depth, size', [(2, 32), (4, 64), (6, 128), (6, 192)])
def test_encoder_and_decoder_shapes(depth, size):
    encoder = build(dict(type='CourseUNetEncoder', base_channels=8, depth=depth))
    features = encoder(torch.zeros(2, 3, size, size))
    assert [f.shape[1] for f in features] == [8 * 2**i for i in range(depth + 1)]
    assert [f.shape[-1] for f in features] == [size // 2**i for i in range(depth + 1)]
    decoder = head(encoder.out_channels, num_classes=2, out_channels=1, threshold=0.5)
    assert decoder(features).shape == (2, 1, size, size)
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in decoder.modules()) == depth
    multi = head(encoder.out_channels, num_classes=4)
    assert multi(features).shape == (2, 4, size, size)


def test_indivisible_input_is_a_clear_error():
    encoder = build(dict(type='CourseUNetEncoder', base_channels=8, depth=3))
    with pytest.raises(
            ZooError,
            match=r'divisible by 8, got 60x64; set the data '
            r"preprocessor's size_divisor=8"):
        encoder(torch.zeros(1, 3, 60, 64))


def test_decoder_over_stock_resnet_trains():
    model = build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor', size_divisor=32),
            backbone=dict(type='ResNetV1c', depth=18, out_indices=(0, 1, 2, 3), norm_cfg=NORM),
            decode_head=dict(
                type='UNetTransposeHead',
                in_channels=[64, 128, 256, 512],
                num_classes=3,
                norm_cfg=NORM,
                loss_decode=dict(type='CrossEntropyLoss'))))
    features = model.extract_feat(torch.zeros(1, 3, 96, 96))
    assert model.decode_head(features).shape == (1, 3, 24, 24)  # resized to 96 on predict
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    sample = SegDataSample(metainfo=dict(img_shape=(96, 96), pad_shape=(96, 96)))
    sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 96, 96)))
    losses = model.loss(torch.randn(1, 3, 96, 96), [sample])
    assert losses['decode.loss_ce'] > 0
    losses['decode.loss_ce'].backward()


def test_binary_dice_loss_against_hand_computed():
    # one image, 4 pixels: p = sigmoid(logits) = [0.5, 0.5, 0.5, 0.5]; t = [1, 1, 0, 0]
    logits = torch.zeros(1, 1, 2, 2)
    target = torch.tensor([[[1, 1], [0, 0]]])
    expected = 1 - (2 * 1.0 + 1e-3) / (4 * 0.25 + 2 + 1e-3)
    assert binary_dice_loss(logits, target) == pytest.approx(expected)
    # ignored pixels count neither way
    target_ignored = torch.tensor([[[1, 255], [0, 0]]])
    expected = 1 - (2 * 0.5 + 1e-3) / (3 * 0.25 + 1 + 1e-3)
    assert binary_dice_loss(logits, target_ignored) == pytest.approx(expected)
    # perfect, confident prediction: loss near 0; inverted: near 1
    sure = torch.tensor([[[[20.0, 20.0], [-20.0, -20.0]]]])
    assert binary_dice_loss(sure, target) < 1e-3
    assert binary_dice_loss(-sure, target) > 0.99


def test_batch_dice_is_one_dice_over_the_batch():
    """A window without foreground: each image's Dice is ~1 for it whatever else is right
    (the per-image mean swings), the batch's Dice counts its pixels with the others."""
    logits = torch.zeros(2, 1, 2, 2)  # p = 0.5 everywhere
    target = torch.tensor([[[1, 1], [0, 0]], [[0, 0], [0, 0]]])
    first = 1 - (2 * 1.0 + 1e-3) / (4 * 0.25 + 2 + 1e-3)
    empty = 1 - 1e-3 / (4 * 0.25 + 1e-3)
    assert binary_dice_loss(logits, target) == pytest.approx((first + empty) / 2)
    whole = 1 - (2 * 1.0 + 1e-3) / (8 * 0.25 + 2 + 1e-3)
    assert binary_dice_loss(logits, target, batch=True) == pytest.approx(whole)
    loss = BinaryDiceLoss(batch=True)(logits, target)
    assert loss == pytest.approx(whole)


def test_class_weights_work_beside_ignored_pixels():
    """mmseg's CrossEntropyLoss with class_weight raises IndexError on ignored (255)
    pixels, which sparse labels are mostly made of (mmsegmentation issue 3734); ours gives
    PyTorch's class-weighted mean over the labelled pixels."""
    import torch.nn.functional as F
    from mmseg.models.losses import CrossEntropyLoss

    from custom_modules.imseg.models import WeightedCrossEntropyLoss
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 8, 8)
    label = torch.randint(0, 3, (2, 8, 8))
    label[:, :5] = 255  # unlabelled
    weights = [3.0, 0.5, 1.0]
    with pytest.raises(IndexError):
        CrossEntropyLoss(class_weight=weights, avg_non_ignore=True)(logits, label, ignore_index=255)
    ours = WeightedCrossEntropyLoss(class_weight=weights, avg_non_ignore=True)
    expected = F.cross_entropy(logits, label, weight=torch.tensor(weights), ignore_index=255)
    assert ours(logits, label, ignore_index=255).item() == pytest.approx(expected.item(), rel=1e-5)
    plain = WeightedCrossEntropyLoss(avg_non_ignore=True)
    upstream = CrossEntropyLoss(avg_non_ignore=True)
    assert plain(
        logits, label,
        ignore_index=255).item() == pytest.approx(upstream(logits, label, ignore_index=255).item())


def test_balanced_class_weights_come_from_the_pixels_trained_on():
    """class_weight='balanced': n / (k * count) of the labelled pixels of every training
    batch so far (ignored pixels not counted; evaluation counts nothing), and the loss is
    PyTorch's weighted mean with those weights."""
    import torch.nn.functional as F

    from custom_modules.errors import ZooError
    from custom_modules.imseg.models import WeightedCrossEntropyLoss
    loss = WeightedCrossEntropyLoss(class_weight='balanced', avg_non_ignore=True)
    logits = torch.randn(1, 3, 2, 4)
    first = torch.tensor([[[0, 0, 0, 0], [0, 0, 1, 255]]])  # 6 of class 0, 1 of class 1
    loss(logits, first, ignore_index=255)
    second = torch.tensor([[[0, 0, 2, 2], [1, 255, 255, 255]]])  # 2, 1, 2 more
    value = loss(logits, second, ignore_index=255)
    counts = [8, 2, 2]  # 12 labelled pixels
    weights = [12 / (3 * c) for c in counts]
    assert loss.class_weight == pytest.approx(weights)
    expected = F.cross_entropy(logits, second, weight=torch.tensor(weights), ignore_index=255)
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    loss.eval()
    loss(logits, first, ignore_index=255)
    assert loss.pixel_counts.tolist() == counts
    with pytest.raises(ZooError, match='1-channel sigmoid head: add BinaryDiceLoss'):
        WeightedCrossEntropyLoss(class_weight='balanced', use_sigmoid=True)
