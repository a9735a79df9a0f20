"""FocalRetinaHead equals mmdet's RetinaHead + FocalLoss; its loss equals torchvision's."""
import pytest
import torch
import torchvision
from mmdet.models.losses import FocalLoss
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import custom_modules.objrecog  # noqa: F401 (registers the head)
from custom_modules.objrecog.models import TorchFocalLoss, sigmoid_focal_loss

HEAD = dict(
    num_classes=3,
    in_channels=8,
    stacked_convs=2,
    feat_channels=8,
    anchor_generator=dict(
        type='AnchorGenerator',
        octave_base_scale=4,
        scales_per_octave=3,
        ratios=[0.5, 1.0, 2.0],
        strides=[8, 16, 32, 64, 128]),
    bbox_coder=dict(
        type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[0.1, 0.1, 0.2, 0.2]),
    loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),
    train_cfg=dict(
        assigner=dict(
            type='MaxIoUAssigner',
            pos_iou_thr=0.5,
            neg_iou_thr=0.4,
            min_pos_iou=0,
            ignore_iof_thr=-1),
        sampler=dict(type='PseudoSampler'),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=100))
STOCK_LOSS = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0)


def heads():
    init_default_scope('mmdet')
    torch.manual_seed(0)
    stock = MODELS.build(dict(type='RetinaHead', loss_cls=STOCK_LOSS, **HEAD))
    stock.init_weights()
    with torch.no_grad():  # spread the scores out of the 0.01 prior, so that none tie
        for param in stock.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    ours = MODELS.build(dict(type='FocalRetinaHead', **HEAD))
    ours.load_state_dict(stock.state_dict())
    return stock, ours


def inputs(seed=1):
    g = torch.Generator().manual_seed(seed)
    feats = tuple(torch.randn(2, 8, 128 // s, 128 // s, generator=g) for s in (8, 16, 32, 64, 128))
    samples = []
    for boxes, labels in (([[10, 12, 50, 60], [70, 20, 110, 100]], [0, 2]), ([[5, 5, 40,
                                                                               90]], [1])):
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(128, 128),
                pad_shape=(128, 128),
                ori_shape=(128, 128),
                scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float), labels=torch.tensor(labels))
        samples.append(sample)
    return feats, samples


def test_losses_match_stock_head():
    stock, ours = heads()
    feats, samples = inputs()
    expected = stock.loss(feats, samples)
    got = ours.loss(feats, samples)
    assert set(got) == set(expected) == {'loss_cls', 'loss_bbox'}
    for key in expected:
        assert torch.allclose(
            torch.stack(got[key]).sum(), torch.stack(expected[key]).sum(), rtol=1e-5,
            atol=1e-7), key
        assert torch.stack(got[key]).sum() > 0


def test_predictions_match_stock_head(monkeypatch):
    """Where mmcv was installed without its compiled ops (the default), the stock head's
    NMS kernel is torchvision's, the same maths as mmcv's CPU kernel (offset 0): the rest
    of the head, decoding, thresholds and top-k, is compared."""
    import mmcv._ext
    import torchvision
    if getattr(mmcv._ext, 'STAND_IN', False):
        monkeypatch.setattr(
            mmcv._ext,
            'nms',
            lambda boxes, scores, iou_threshold, offset: torchvision.ops.nms(
                boxes, scores, iou_threshold),
            raising=False)
    stock, ours = heads()
    feats, samples = inputs(seed=2)
    metas = [s.metainfo for s in samples]
    cfg = ConfigDict(HEAD['test_cfg'], score_thr=0.0)  # keep many boxes, so NMS matters
    expected = stock.predict_by_feat(*stock(feats), batch_img_metas=metas, cfg=cfg)
    got = ours.predict_by_feat(*ours(feats), batch_img_metas=metas, cfg=cfg)
    for e, g in zip(expected, got):
        assert len(g) == len(e) > 10
        assert torch.allclose(g.bboxes, e.bboxes, atol=1e-4)
        assert torch.allclose(g.scores, e.scores)
        assert torch.equal(g.labels, e.labels)


def test_loss_term_matches_torchvision_and_mmdet():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(50, 4, generator=g) * 3
    labels = torch.randint(0, 5, (50, ), generator=g)  # 4 = background
    onehot = torch.nn.functional.one_hot(labels, 5)[:, :4].float()
    reference = torchvision.ops.sigmoid_focal_loss(logits, onehot, 0.25, 2.0, reduction='none')
    assert torch.allclose(sigmoid_focal_loss(logits, onehot), reference, atol=1e-7)
    weight = torch.rand(50, generator=g)
    ours = TorchFocalLoss()(logits, labels, weight, avg_factor=7.0)
    stock = FocalLoss()(logits, labels, weight, avg_factor=7.0)
    assert ours == pytest.approx(float(stock), rel=1e-6)
    assert ours == pytest.approx(float((reference * weight[:, None]).sum() / 7.0), rel=1e-6)


def test_only_plain_nms_is_supported():
    _, ours = heads()
    feats, samples = inputs()
    cfg = ConfigDict(HEAD['test_cfg'], score_thr=0.0, nms=dict(type='soft_nms', iou_threshold=0.5))
    with pytest.raises(ValueError, match="nms type 'nms' only"):
        ours.predict_by_feat(*ours(feats), batch_img_metas=[s.metainfo for s in samples], cfg=cfg)


def _reference_focal_loss(logits, targets, alpha=0.25, gamma=2.0):
    """The focal loss in float64 with the textbook formula (torchvision's)."""
    prob = logits.sigmoid()
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction='none')
    p_t = prob * targets + (1 - prob) * (1 - targets)
    return ce * (1 - p_t)**gamma * (alpha * targets + (1 - alpha) * (1 - targets))


@pytest.mark.parametrize('label', [0, 1])  # a positive and a negative (background) anchor
def test_focal_loss_is_precise_per_anchor_under_bf16_autocast(label):
    """Under bf16 autocast (as a bf16 GPU run computes it), every anchor's loss and gradient
    stay within 1 % of exact maths on the same bf16 logits, for logits -12..12."""
    logits = torch.linspace(-12, 12, 961).to(torch.bfloat16).reshape(-1, 1)
    target = torch.full((len(logits), ), label)  # class index 0, or 1 = background
    ours = logits.clone().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = TorchFocalLoss()(ours, target, reduction_override='none')
    loss.sum().backward()
    exact = logits.double().requires_grad_()
    onehot = torch.nn.functional.one_hot(target, 2)[:, :1].double()
    expected = _reference_focal_loss(exact, onehot)
    expected.sum().backward()
    assert loss.dtype == torch.float32
    assert torch.allclose(loss.double(), expected.detach(), rtol=0.01, atol=0)
    assert torch.allclose(ours.grad.double(), exact.grad, rtol=0.01, atol=0)
