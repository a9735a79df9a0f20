"""Mistakes in configs and options end in one actionable line, not a traceback."""
import sys

from zoo_test_utils import DEMO_CONFIGS, run


def test_unknown_module_type_lists_close_matches(tmp_path):
    proc = run([
        sys.executable, 'tools/train.py', DEMO_CONFIGS['objrecog'], '--work-dir', tmp_path,
        '--cfg-options', 'model.bbox_head.type=FocalRetinaHed'
    ],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: unknown model type 'FocalRetinaHed' in scope mmdet: did you mean "
        'FocalRetinaHead, RetinaHead, GARetinaHead, FreeAnchorRetinaHead, SABLRetinaHead? '
        'Check the spelling, or add the module that registers it to custom_imports')


def test_missing_config_is_one_line(tmp_path):
    proc = run([sys.executable, 'tools/train.py', 'configs/nope.py'], check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == 'error: config file not found: configs/nope.py'
