"""Pretrained starts: real-data configs name public weights, which load through the torch
hub cache (offline: a file placed there, or one line saying where to put it)."""
import hashlib
import os
import shutil
import socket
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import custom_modules.run  # noqa: F401 (registration; registers the URL loader)
from custom_modules.checkpoints.urls import cache_path, hash_in_name, is_url
from custom_modules.errors import ZooError
from zoo_test_utils import REPO, run_tool

TAMUCC4 = 'configs/imrecog/mobilenet-v2_1xb16-50e_tamucc4-400.py'
# Real-data configs without public weights to start from: the course's own networks, and
# the from-scratch detection recipe.
NO_PUBLIC_WEIGHTS = {
    'course-convnet-deep_1xb16-50e_nwpu11-224',  # the course's conv net
    'unet-6l_1xb4-50e_obx-4class-768',  # the course's U-Net encoder
    'unet-6l_1xb4-50e_obx-binary-768',
    'unet-6l_1xb4-50e_obx-tfrecord-768',
    'unet-6l_1xb2-50e_oysternet-binary-1000',
    'fixmatch-da_course-convnet_1xb8+32-1500it_folder-unlabelled-64',
    'course-convnet_1xb16-20e_sklearn-digits-64',
    'unet-4l_1xb8-15e_stardist-nuclei-64',  # the demo's small U-Net, data changed
    # 5 Landsat bands: no public weights take them
    'unet-4l_1xb8-30e_nc-landsat-5band-64',
    'unet-4l-semi_1xb8-30e_nc-landsat-5band-64',
    # the few-label digits: the course's conv net, as the demo's
    'supervised_course-convnet_1xb8-1500it_sklearn-digits-4lpc',
    'fixmatch_course-convnet_1xb8+32-1500it_sklearn-digits-4lpc',
    'supervised_course-convnet_1xb8-1500it_sklearn-digits-all',
    'supervised_course-convnet_1xb8-1500it_sklearn-digits-4lpc-noflip',
    'fixmatch-freematch-da_course-convnet_1xb8+32-1500it_sklearn-digits-4lpc-noflip',
    'supervised_course-convnet_1xb8-1500it_sklearn-digits-all-noflip',
    # detection from scratch on purpose: imagery far from ImageNet and COCO
    'retinanet_r18-fpn_1xb4-24e_deepforest-trees-400',
    'retinanet_r18-fpn-gn_1xb4-100e_deepforest-trees-400',
    'retinanet-adamw_r18-fpn-gn_1xb4-100e_deepforest-trees-400',
    'retinanet-adamw_r18-fpn-gn_1xb4-100e_neon-osbs-raster-200',
}


def starts(cfg):
    """The weights a config starts from: backbone ``init_cfg`` and ``load_from``."""
    init = cfg.model.get('backbone', {}).get('init_cfg') or {}
    found = [init.get('checkpoint')] if isinstance(init, dict) else []
    return [s for s in (*found, cfg.get('load_from')) if s]


@pytest.mark.parametrize('config',
                         sorted(str(p.relative_to(REPO)) for p in REPO.glob('configs/[!_]*/*.py')))
def test_real_data_configs_start_from_public_weights_demo_configs_from_scratch(config):
    cfg = Config.fromfile(REPO / config)
    name = Path(config).stem
    if 'demo' in name or name in NO_PUBLIC_WEIGHTS:
        assert starts(cfg) == []
    else:
        assert starts(cfg), f'{config} starts from nothing'
        for url in starts(cfg):
            assert is_url(url) and hash_in_name(url), url  # checked when downloaded


def mobilenet_checkpoint(path, broken=False):
    from mmpretrain.models import MobileNetV2
    torch.manual_seed(1)
    state = {
        f'backbone.{k}': torch.randn(v.shape) if v.is_floating_point() else v
        for k, v in MobileNetV2().state_dict().items()
    }
    if broken:
        state['backbone.conv1.conv.weight'] = torch.randn(7, 3, 3, 3)
        del state['backbone.layer1.0.conv.0.conv.weight']
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=state), path)
    return state


def cached_weights(tmp_path, broken=False):
    """Made-up MobileNetV2 weights in the hub cache under a URL whose name carries their
    hash, as a download would leave them: ``(url, state)``."""
    made = tmp_path / 'made.pth'
    state = mobilenet_checkpoint(made, broken)
    digest = hashlib.sha256(made.read_bytes()).hexdigest()
    url = f'https://download.openmmlab.com/zoo-tests/mobilenet_v2-{digest[:8]}.pth'
    os.makedirs(os.path.dirname(cache_path(url)), exist_ok=True)
    shutil.copy(made, cache_path(url))
    return url, state


def build(config, checkpoint=None):
    from mmengine.registry import MODELS
    cfg = Config.fromfile(REPO / config)
    init_default_scope(cfg.default_scope)
    if checkpoint:
        cfg.model.backbone.init_cfg.checkpoint = checkpoint
    return MODELS.build(cfg.model), cfg


def test_pretrained_weights_in_the_hub_cache_are_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    url, expected = cached_weights(tmp_path)
    model, cfg = build(TAMUCC4, url)
    model.init_weights()
    state = model.state_dict()
    for key, value in expected.items():
        assert torch.equal(state[key], value), key


def test_mismatched_pretrained_keys_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    said = []
    import mmengine.runner.checkpoint as checkpoint
    monkeypatch.setattr(checkpoint, 'print_log', lambda msg, *a, **k: said.append(str(msg)))
    url, _ = cached_weights(tmp_path, broken=True)
    model, cfg = build(TAMUCC4, url)
    model.init_weights()
    report = '\n'.join(said)
    assert 'size mismatch for conv1.conv.weight' in report
    assert 'missing keys in source state_dict: layer1.0.conv.0.conv.weight' in report


def test_a_file_put_in_the_hub_cache_by_hand_is_checked_once(tmp_path, monkeypatch):
    """The config's real URL, and a file of other weights placed under its name: one line
    naming the file (it was trusted until its shapes failed). The right file is checked
    once; the check is remembered until the file changes."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    model, cfg = build(TAMUCC4)
    url = starts(cfg)[0]
    mobilenet_checkpoint(cache_path(url))
    with pytest.raises(ZooError) as err:
        model.init_weights()
    assert str(err.value).startswith(f'{cache_path(url)}: its sha256 starts with ')
    assert 'not with 3b2dc3af as its name says: the file is damaged or not the one published; ' \
        'delete it' in str(err.value)
    from custom_modules.checkpoints import urls as weights
    good, _ = cached_weights(tmp_path)
    hashed = []
    monkeypatch.setattr(weights, 'sha256_of', lambda p: hashed.append(p) or sha256_file(p))
    assert weights.fetch(good) == weights.fetch(good) == cache_path(good)
    assert hashed == [cache_path(good)]  # once
    with open(cache_path(good), 'ab') as f:
        f.write(b'damage')
    with pytest.raises(ZooError, match='damaged or not the one published'):
        weights.fetch(good)


def sha256_file(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_offline_without_the_file_is_one_line_naming_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    model, cfg = build(TAMUCC4)
    url = starts(cfg)[0].replace('https://download.openmmlab.com', f'http://127.0.0.1:'
                                 f'{closed_port()}')
    model.backbone.init_cfg['checkpoint'] = url
    with pytest.raises(ZooError, match=f'put the file at {cache_path(url)}'):
        model.init_weights()


def test_a_training_whose_weights_cannot_be_fetched_stops_in_one_line(tmp_path):
    url = f'http://127.0.0.1:{closed_port()}/weights-0123abcd.pth'
    out = run_tool(
        'train.py',
        'configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py',
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        f'load_from={url}',
        check=False,
        env=dict(TORCH_HOME=str(tmp_path / 'torch')))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        f'error: cannot download {url} ([Errno 111] Connection refused); on a machine '
        f'without network access, put the file at {tmp_path}/torch/hub/checkpoints/'
        'weights-0123abcd.pth')


def test_a_pretrained_start_says_one_line(tmp_path, monkeypatch):
    """Which weights, how many of the backbone's tensors they gave, which kept their
    initial values: one console line; mmengine's loader lines go to the log file."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    url, _ = cached_weights(tmp_path, broken=True)
    classes = '[marsh,pebbles,ripples,water]'
    out = run_tool(
        'train.py',
        'configs/imrecog/mobilenet-v2_1xb16-50e_nwpu11-224.py',
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={url}',
        *[
            f'{loader}.dataset.data_root=data/demo/imrecog'
            for loader in ('train_dataloader', 'val_dataloader')
        ],
        f'train_dataloader.dataset.classes={classes}',
        f'val_dataloader.dataset.classes={classes}',
        'model.head.num_classes=4',
        'data_preprocessor.num_classes=4',
        'train_cfg.max_epochs=1',
        'train_dataloader.dataset.indices=8',
        'val_dataloader.dataset.indices=4',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        env=dict(TORCH_HOME=str(tmp_path / 'torch')))
    console = out.stdout + out.stderr
    assert (f'pretrained backbone: {url} (its backbone.* tensors): 258 of 260 tensors loaded; '
            '2 kept their initial values: conv1.conv.weight, layer1.0.conv.0.conv.weight'
            ) in console.splitlines()
    assert 'Loads checkpoint by' not in console and 'do not match exactly' not in console
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert 'Loads checkpoint by' in log and 'do not match exactly' in log
