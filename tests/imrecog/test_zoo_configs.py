"""Every imrecog zoo config trains a few iterations on a small dataset in its own layout."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

import custom_modules.run  # noqa: F401 (registration; checkpoints load through compat)
from custom_modules.checkpoints.urls import cache_path
from zoo_test_utils import cache_as_published, one_epoch, run_tool, write_images

FEW = one_epoch(batch_size=2, val_batch_size=2)


def flat_dataset(root, classes):
    (root / 'classes.json').parent.mkdir(parents=True, exist_ok=True)
    (root / 'classes.json').write_text(json.dumps(classes))
    write_images([
        root / split / f'{c}_IMG_{i}.jpg' for split in ('train', 'val') for c in classes
        for i in range(2)
    ], 64)


def folder_dataset(root, classes):
    write_images([
        root / split / c / f'{i}.jpg' for split in ('train', 'val') for c in classes
        for i in range(1)
    ], 64)


def tfrecord_dataset(root, classes):
    """The course's TFRecord shards: ``image`` JPEG bytes and ``class`` index a record."""
    import io

    from custom_modules.datasets.tfrecord import write_examples
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for split in ('train', 'val'):
        records = []
        for label in range(len(classes)):
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(
                buf, format='JPEG')
            records.append({'image': buf.getvalue(), 'class': label})
        write_examples(root / f'{split}-000.tfrec', records)


TAMUCC4 = [
    'finegrained_sand_beaches', 'gravel_shell_beaches', 'salt_brackish_water_marshes',
    'sheltered_solid_manmade'
]
NWPU = [
    'beach', 'chaparral', 'desert', 'forest', 'island', 'lake', 'meadow', 'mountain', 'river',
    'sea_ice', 'wetland'
]
CASES = {
    'mobilenet-v2_1xb16-50e_tamucc4-400': (flat_dataset, TAMUCC4),
    'mobilenet-v2-frozen_1xb16-50e_tamucc2-400': (flat_dataset, TAMUCC4[:2]),
    'mobilenet-v2_1xb16-50e_nwpu11-224': (folder_dataset, NWPU),
    'mobilenet-v2_1xb16-50e_nwpu11-tfrecord-224': (tfrecord_dataset, NWPU),
    'course-convnet-deep_1xb16-50e_nwpu11-224': (folder_dataset, NWPU),
}


def backbone_checkpoint(path):
    """A pretrained MobileNetV2 checkpoint, as mmpretrain saves one (random weights)."""
    from mmpretrain.models import MobileNetV2
    torch.manual_seed(0)
    state = {f'backbone.{k}': v.clone() for k, v in MobileNetV2().state_dict().items()}
    for key, value in state.items():  # weights of its own; variances stay positive
        if key.endswith('running_var'):
            value.uniform_(0.5, 1.5)
        elif value.is_floating_point():
            value.add_(0.01 * torch.randn_like(value))
    torch.save(dict(state_dict=state, meta=dict(note='test')), path)


def pretrained_url(config):
    from mmengine.config import Config
    return Config.fromfile(config).model.backbone.get('init_cfg', {}).get('checkpoint')


@pytest.mark.parametrize('name', sorted(CASES))
def test_zoo_config_trains_on_its_layout(name, tmp_path, monkeypatch):
    make, classes = CASES[name]
    make(tmp_path / 'data', classes)
    options = [
        f'{loader}.dataset.data_root={tmp_path / "data"}'
        for loader in ('train_dataloader', 'val_dataloader')
    ]
    url = pretrained_url(f'configs/imrecog/{name}.py')
    env = dict(TORCH_HOME=str(tmp_path / 'torch'))
    if url:  # weights of the public ones' shape, as if downloaded (no network in CI)
        monkeypatch.setenv('TORCH_HOME', env['TORCH_HOME'])
        backbone_checkpoint(tmp_path / 'made.pth')
        url = cache_as_published(tmp_path / 'made.pth', url)
        options.append(f'model.backbone.init_cfg.checkpoint={url}')
    out = run_tool(
        'train.py',
        f'configs/imrecog/{name}.py',
        '--work-dir',
        tmp_path / 'work',
        '--verbose',
        '--cfg-options',
        *FEW,
        *options,
        env=env,
        timeout=900)
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()
    if url:
        assert f'load backbone in model from: {url}' in out.stdout
    if 'frozen' in name:
        state = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=True)['state_dict']
        reference = torch.load(cache_path(url), weights_only=True)['state_dict']
        backbone = [k for k in state if k.startswith('backbone.')]
        assert sorted(backbone) == sorted(reference)
        changed = [k for k in backbone if not torch.equal(state[k], reference[k])]
        assert changed == [], 'the frozen backbone changed during training'
