"""tools/install.sh: the fast path and the cached-wheel path, on the installed venv."""
import os
import shutil
import sys
from pathlib import Path

import pytest

from zoo_test_utils import run

VENV = Path(sys.prefix)
STAMP = VENV / '.mlmondays-zoo-installed'

pytestmark = pytest.mark.skipif(not STAMP.exists(),
                                reason='tests not running in a venv made by tools/install.sh')


def test_second_run_is_a_no_op():
    out = run(['bash', 'tools/install.sh'], env=dict(ZOO_VENV=str(VENV)))
    assert 'everything in place' in out.stdout
    assert 'installing' not in out.stdout and 'building' not in out.stdout


def test_cached_wheel_is_used_not_rebuilt(tmp_path):
    """With the stamp gone, the installer reinstalls, taking mmcv from the wheel cache."""
    home_cache = Path(os.environ.get('ZOO_CACHE', Path.home() / '.cache/mlmondays-zoo'))
    cached = sorted(home_cache.glob('wheels/mmcv-*/mmcv-*.whl'))
    assert cached, f'the installer left no mmcv wheel in {home_cache}'
    cache = tmp_path / 'cache'
    shutil.copytree(cached[-1].parent, cache / 'wheels' / cached[-1].parent.name)
    saved = STAMP.read_text()
    STAMP.unlink()
    try:
        out = run(['bash', 'tools/install.sh'],
                  env=dict(ZOO_VENV=str(VENV), ZOO_CACHE=str(cache)), timeout=900)
    finally:
        if not STAMP.exists():
            STAMP.write_text(saved)
    assert 'mmcv wheel found in cache' in out.stdout
    assert 'building mmcv' not in out.stdout
    assert STAMP.read_text() == saved
