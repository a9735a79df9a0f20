"""No zoo family needs mmcv's compiled ops: every demo config trains one iteration and
tests on the default install, where mmcv has none (every op of the stand-in mmcv._ext,
tools/install/mmcv_ext_standin.py, raises), or, on an install with them
(ZOO_MMCV_OPS=cpu/cuda), with each compiled op replaced by one that raises. That is
asserted by the GPU check script's CPU dry run (tests/test_gpu_checks.py), which trains and
tests each demo config so, and repeats it on CUDA. A config that does need one gets one
line (here)."""
import os
import sys

import mmcv._ext
import pytest

from zoo_test_utils import DEMO_CONFIGS, IN_PROCESS_LOADERS, run

EPOCH_OF_ONE = [
    'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=8',
    'val_dataloader.dataset.indices=4'
]
LOADERS = [
    *IN_PROCESS_LOADERS, 'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'
]


def test_the_default_install_has_no_compiled_mmcv_ops():
    """tools/install.sh without ZOO_MMCV_OPS builds mmcv without ops, with the stand-in."""
    compiled = os.environ.get('ZOO_MMCV_OPS', 'none') != 'none'
    assert getattr(mmcv._ext, 'STAND_IN', False) is not compiled
    if not compiled:
        assert mmcv._ext.__file__.endswith('_ext.py')
        assert mmcv._ext.get_compiler_version().startswith('n/a')


@pytest.mark.skipif(
    not getattr(mmcv._ext, 'STAND_IN', False),
    reason='mmcv was installed with its compiled ops (ZOO_MMCV_OPS)')
def test_a_config_that_needs_a_compiled_op_gets_one_line(tmp_path):
    """mmdet's stock RetinaHead runs mmcv's NMS when it validates (every box kept, so a
    young detector has boxes to suppress): one line naming the op and ZOO_MMCV_OPS, exit 2,
    no traceback."""
    train = run([
        sys.executable, 'tools/train.py', DEMO_CONFIGS['objrecog'], '--work-dir', tmp_path,
        '--cfg-options', 'model.bbox_head.type=RetinaHead', 'model.test_cfg.score_thr=0.0',
        *EPOCH_OF_ONE, *LOADERS
    ],
                check=False)
    assert train.returncode == 2, train.stderr[-3000:]
    assert 'Traceback' not in train.stderr
    last = train.stderr.strip().splitlines()[-1]
    assert last.startswith("error: mmcv op 'nms' needs mmcv's compiled ops"), last
    assert 'ZOO_MMCV_OPS=cpu bash tools/install.sh' in last
