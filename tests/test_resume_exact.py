"""Resume is exact: on CPU, a run resumed from its first checkpoint (as after a kill) ends
with the same weights as the uninterrupted run, bit for bit, for one config per family."""
import shutil
import sys

import pytest
import torch

import custom_modules.run  # noqa: F401 (registration; checkpoints load through compat)
from zoo_test_utils import DEMO_CONFIGS, QUICK, run

SSL = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
# (config, options of a run with two checkpoints, the first and the last checkpoint)
CASES = {
    **{
        family: (config, [*QUICK[1:], 'train_cfg.max_epochs=2'], 'epoch_1.pth', 'epoch_2.pth')
        for family, config in DEMO_CONFIGS.items()
    },
    'ssimrecog': (SSL, [
        'train_cfg.max_iters=6', 'default_hooks.checkpoint.interval=3',
        'train_cfg.val_interval=100', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ], 'iter_3.pth', 'iter_6.pth'),
}


def train(config, work_dir, options, resume=False):
    run([
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        *(['--resume'] if resume else []), '--cfg-options', *options
    ])


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


@pytest.mark.parametrize('family', sorted(CASES))
def test_resumed_run_ends_with_the_same_weights(family, tmp_path):
    config, options, first, last = CASES[family]
    train(config, tmp_path / 'straight', options)
    # the work dir of a run killed right after its first checkpoint
    (tmp_path / 'resumed').mkdir()
    shutil.copy(tmp_path / 'straight' / first, tmp_path / 'resumed' / first)
    (tmp_path / 'resumed' / 'last_checkpoint').write_text(str(tmp_path / 'resumed' / first))
    train(config, tmp_path / 'resumed', options, resume=True)
    straight, resumed = weights(tmp_path / 'straight' / last), weights(tmp_path / 'resumed' / last)
    assert straight.keys() == resumed.keys()
    different = [k for k in straight if not torch.equal(straight[k], resumed[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'
