"""No zoo family needs mmcv's compiled ops: every demo config trains one iteration and
tests with each function of mmcv._ext replaced by one that raises (the GPU check script
repeats this on CUDA)."""
import sys

import pytest

from zoo_test_utils import DEMO_CONFIGS, IN_PROCESS_LOADERS, run

CONFIGS = dict(
    DEMO_CONFIGS,
    ssimrecog=('configs/ssimrecog/fixmatch_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'))
ONE_ITERATION = {
    'ssimrecog': ['train_cfg.max_iters=1', 'train_cfg.val_interval=1', 'param_scheduler.T_max=1'],
}
EPOCH_OF_ONE = [
    'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=8',
    'val_dataloader.dataset.indices=4'
]
LOADERS = [
    *IN_PROCESS_LOADERS, 'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'
]


@pytest.mark.parametrize('family', sorted(CONFIGS))
def test_family_trains_and_tests_without_mmcv_ops(family, tmp_path):
    options = [*ONE_ITERATION.get(family, EPOCH_OF_ONE), *LOADERS]
    wrapper = [sys.executable, 'tools/gpu/without_mmcv_ops.py']
    train = run([
        *wrapper, 'tools/train.py', CONFIGS[family], '--work-dir', tmp_path, '--cfg-options',
        *options
    ])
    assert 'mmcv ops replaced; called: none' in train.stderr
    checkpoint = (tmp_path / 'last_checkpoint').read_text().strip()
    test = run([
        *wrapper, 'tools/test.py', CONFIGS[family], checkpoint, '--work-dir', tmp_path / 'test',
        '--cfg-options', *LOADERS
    ])
    assert 'mmcv ops replaced; called: none' in test.stderr
    assert (tmp_path / 'test' / 'test_metrics.json').exists()
