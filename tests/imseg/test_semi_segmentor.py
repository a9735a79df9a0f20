"""The semi-supervised segmentor: labelled pixels learn their labels, unlabelled pixels (255)
the mean teacher's confident classes in perturbed views; it trains from a raster with
sparse polygons, and its teacher exports and predicts as any U-Net."""
import json
import sys

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn

from custom_modules.errors import ZooError
from custom_modules.imseg.models import cutmix_boxes, paste, photometric

UNET = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[0.0], std=[1.0], size_divisor=16, seg_pad_val=255),
    backbone=dict(type='CourseUNetEncoder', in_channels=1, base_channels=4, depth=2),
    decode_head=dict(
        type='UNetTransposeHead',
        in_channels=[4, 8, 16],
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))


def segmentor(**semi_train_cfg):
    init_default_scope('mmseg')
    import custom_modules.imseg  # noqa: F401 (registration)
    return MODELS.build(
        dict(type='SemiSupervisedSegmentor', segmentor=UNET, semi_train_cfg=semi_train_cfg))


def batch(masks):
    samples = []
    for mask in masks:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.as_tensor(mask)[None].long())
        sample.set_metainfo(dict(img_shape=mask.shape, pad_shape=mask.shape))
        samples.append(sample)
    return torch.randn(len(masks), 1, 32, 32), samples


def test_only_unlabelled_pixels_get_pseudo_labels():
    model = segmentor(threshold=0.0, rampup_iters=0).train()  # the teacher sure of every pixel
    sparse = np.full((32, 32), 255)
    sparse[:8, :8] = 1  # 64 labelled pixels, 960 unlabelled
    inputs, samples = batch([sparse, np.full((32, 32), 255)])
    losses = model.loss(inputs, samples)
    assert {'decode.loss_ce', 'loss_unsup', 'pseudo_confident'} <= set(losses)
    assert losses['pseudo_confident'] == 1.0
    assert int(model.pseudo_counts.sum()) == 960 + 1024
    losses['loss_unsup'].backward()  # it trains the student
    assert model.student.decode_head.conv_seg.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.parameters())


def test_fully_labelled_windows_learn_nothing_from_the_teacher():
    model = segmentor(threshold=0.0, rampup_iters=0).train()
    inputs, samples = batch([np.zeros((32, 32)), np.ones((32, 32))])
    losses = model.loss(inputs, samples)
    assert losses['loss_unsup'] == 0 and losses['pseudo_confident'] == 0
    assert int(model.pseudo_counts.sum()) == 0


def test_an_unsure_teacher_gives_no_pseudo_labels():
    model = segmentor(threshold=1.01, rampup_iters=0).train()  # never that sure
    inputs, samples = batch([np.full((32, 32), 255)])
    losses = model.loss(inputs, samples)
    assert losses['loss_unsup'] == 0 and losses['pseudo_confident'] == 0


def test_the_perturbed_views_leave_the_running_statistics_alone():
    """The colour-changed, pasted and channel-dropped views normalise with their own batch
    statistics but do not move the running ones the model predicts with: after a loss step
    those are what one plain training pass over the batch leaves."""
    model = segmentor(threshold=0.0, rampup_iters=0).train()
    plain = segmentor(threshold=0.0, rampup_iters=0).train()
    plain.load_state_dict(model.state_dict())
    inputs, samples = batch([np.full((32, 32), 255), np.full((32, 32), 255)])
    model.loss(inputs, samples)
    with torch.no_grad():
        plain.student.decode_head.forward(plain.student.extract_feat(inputs))
    norms = [(n, b) for n, b in model.student.state_dict().items() if 'running_' in n]
    assert norms
    for name, value in norms:
        assert torch.allclose(value, plain.student.state_dict()[name]), name
    momenta = {m.momentum for m in model.student.modules() if isinstance(m, nn.BatchNorm2d)}
    assert momenta == {0.1}  # given back after the perturbed views


def test_windows_without_a_label_do_not_dilute_the_supervised_loss():
    """A per-image Dice counts an image without a labelled pixel as perfect: the
    supervised loss of a batch is that of its labelled windows alone."""
    init_default_scope('mmseg')
    import custom_modules.imseg  # noqa: F401 (registration)
    dice = dict(
        UNET, decode_head=dict(UNET['decode_head'], loss_decode=dict(type='BinaryDiceLoss')))
    model = MODELS.build(
        dict(type='SemiSupervisedSegmentor', segmentor=dice, semi_train_cfg=dict(threshold=2.0)))
    model.eval()  # the same normalisation whatever the batch holds
    half = np.zeros((32, 32))
    half[:, :16] = 1
    inputs, samples = batch([half, np.full((32, 32), 255)])
    both = model.loss(inputs, samples)['decode.loss_dice']
    alone = model.loss(inputs[:1], samples[:1])['decode.loss_dice']
    assert torch.allclose(both, alone) and both > 0


def test_self_adaptive_thresholds_start_low_and_are_saved():
    """FreeMatch's thresholds: an unsure young teacher still gives pseudo-labels (a fixed
    0.95 gives none), and the running means travel with the checkpoint."""
    fixed = segmentor(rampup_iters=0).train()
    adaptive = segmentor(threshold_mode='self-adaptive', rampup_iters=0).train()
    adaptive.load_state_dict(fixed.state_dict(), strict=False)  # the same networks
    inputs, samples = batch([np.full((32, 32), 255)])
    assert fixed.loss(inputs, samples)['pseudo_confident'] == 0
    assert adaptive.loss(inputs, samples)['pseudo_confident'] > 0.5
    assert {'class_means', 'global_confidence'} <= set(adaptive.state_dict())
    assert adaptive.global_confidence > 0.5  # moved from 1/2 towards the teacher's


def test_cutmix_pastes_the_neighbours_box_and_photometric_changes_colours():
    target, source = torch.zeros(2, 1, 8, 8), torch.ones(2, 1, 8, 8)
    pasted = paste(target, source, [(2, 0, 6, 4), (0, 0, 0, 0)])
    assert pasted[0, 0, 0:4, 2:6].eq(1).all() and pasted[0].sum() == 16 and pasted[1].sum() == 0
    assert cutmix_boxes(3, 8, 8, prob=0.0) == [(0, 0, 0, 0)] * 3
    x0, y0, x1, y1 = cutmix_boxes(1, 8, 8, prob=1.0)[0]
    assert (x1 - x0, y1 - y0) == (4, 4)
    x = torch.randn(4, 5, 8, 8)
    assert torch.equal(photometric(x, prob=0.0), x)
    assert not torch.allclose(photometric(x, prob=1.0), x)


def test_bad_options_are_one_line():
    with pytest.raises(ZooError, match=r"semi_train_cfg: unknown keys \['confidence'\]"):
        segmentor(confidence=0.9)
    with pytest.raises(
            ZooError, match="semi_train_cfg.threshold_mode='soft'; use 'fixed' or "
            "'self-adaptive'"):
        segmentor(threshold_mode='soft')


SPARSE_CONFIG = '''
_base_ = ['{repo}/configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py']
metainfo = dict(classes=('ground', 'building'), palette=[[90, 90, 90], [200, 40, 40]])
scene = dict(type='RasterMaskDataset', raster='{raster}', labels='{labels}',
             class_field='class', metainfo=metainfo, unlabelled='ignore')
pipeline = [dict(type='LoadRasterWindow', bands=(1, )), dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='ConcatDataset', datasets=[
        dict(windows=dict(size=64, sampler='labels', count=48, seed=0), pipeline=pipeline,
             **scene),
        dict(windows=dict(size=64, sampler='random', count=48, seed=1), pipeline=pipeline,
             **scene)]))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, windows=dict(size=64, sampler='grid', region=(0.75, 0, 1, 1)),
                 test_mode=True, pipeline=pipeline, **scene))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(mean=[100.0], std=[20.0]), backbone=dict(in_channels=1),
             decode_head=dict(loss_decode=dict(_delete_=True, type='CrossEntropyLoss',
                                               use_sigmoid=True)))
'''
# the supervised config above wrapped, as configs/imseg/unet-4l-semi_*.py wraps theirs
SEMI_CONFIG = '''
_base_ = ['./sparse.py']
model = dict(_delete_=True, type='SemiSupervisedSegmentor', segmentor={{_base_.model}},
             semi_train_cfg=dict(threshold=0.6, rampup_iters=4))
custom_hooks = [dict(type='MeanTeacherHook', decay=0.9), dict(type='PseudoLabelHook', interval=4)]
param_scheduler = dict(ramp=1)
train_cfg = dict(max_epochs=3)
default_hooks = dict(checkpoint=dict(interval=3))
randomness = dict(seed=0)
'''


def test_it_trains_from_sparse_polygons_and_its_teacher_exports(tmp_path):
    sys.path.insert(0, 'tests')
    from test_geo_training import roofs_scene

    from zoo_test_utils import REPO, run, run_tool

    # 12 of the 70 roofs and 12 squares of ground labelled, the rest of the tile unknown
    raster, labels = roofs_scene(tmp_path, labelled=12, ground=12)
    (tmp_path / 'sparse.py').write_text(
        SPARSE_CONFIG.format(repo=REPO, raster=raster, labels=labels))
    config = tmp_path / 'semi.py'
    config.write_text(SEMI_CONFIG)
    run_tool('train.py', config, '--work-dir', tmp_path / 'work')
    scalars = next((tmp_path / 'work').glob('2*/vis_data/scalars.json')).read_text()
    logged = [json.loads(line) for line in scalars.splitlines() if 'loss_unsup' in line]
    assert logged and all('pseudo_confident' in row for row in logged)
    assert any(row['pseudo_confident'] > 0 for row in logged)  # unlabelled pixels taught
    shares = (tmp_path / 'work' / 'pseudo_labels.csv').read_text().splitlines()
    assert shares[0] == 'iteration,confident,ground,building' and len(shares) > 2
    assert 'Pseudo-labels' in (tmp_path / 'work' / 'summary.md').read_text()
    out = run_tool(
        'export_onnx.py',
        config,
        tmp_path / 'work' / 'epoch_3.pth',
        '--out',
        tmp_path / 'onnx',
        tool_dir='tools/deployment')
    assert 'PyTorch and ONNX Runtime agree (segmentation' in out.stdout
    for tta in ('none', 'd4'):  # test-time augmentation works on the teacher as on any U-Net
        run([
            sys.executable, '-m', 'custom_modules.deploy', 'predict', tmp_path / 'onnx', raster,
            '--out-dir', tmp_path / tta, '--tta', tta
        ])
        assert (tmp_path / tta / 'tile_classes.tif').exists()
