"""tools/install.sh: the fast path and the cached-wheel path, on the installed venv."""
import os
import shutil
import sys
from pathlib import Path

import pytest

from zoo_test_utils import run

VENV = Path(sys.prefix)
STAMP = VENV / '.mlmondays-zoo-installed'

pytestmark = pytest.mark.skipif(
    not STAMP.exists(), reason='tests not running in a venv made by tools/install.sh')


def test_second_run_is_a_no_op():
    out = run(['bash', 'tools/install.sh'], env=dict(ZOO_VENV=str(VENV)))
    assert 'everything in place' in out.stdout
    assert 'installing' not in out.stdout and 'building' not in out.stdout


@pytest.mark.changes_venv
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
                  env=dict(ZOO_VENV=str(VENV), ZOO_CACHE=str(cache)),
                  timeout=900)
    finally:
        if not STAMP.exists():
            STAMP.write_text(saved)
    assert 'mmcv wheel found in cache' in out.stdout
    assert 'building mmcv' not in out.stdout
    assert STAMP.read_text() == saved


def test_mmcv_sdist_comes_through_pips_index_and_is_hash_checked(tmp_path):
    """The installer asks pip (so a mirror or proxy in pip's configuration works), and
    refuses an sdist whose sha256 is not mmcv 2.1.0's."""
    index = tmp_path / 'index' / 'mmcv'
    index.mkdir(parents=True)
    fake = index / 'mmcv-2.1.0.tar.gz'
    import tarfile
    src = tmp_path / 'mmcv-2.1.0'
    src.mkdir()
    (src /
     'setup.py').write_text("from setuptools import setup\nsetup(name='mmcv', version='2.1.0')\n")
    with tarfile.open(fake, 'w:gz') as tar:
        tar.add(src, arcname='mmcv-2.1.0')
    (index / 'index.html').write_text('<a href="mmcv-2.1.0.tar.gz">mmcv-2.1.0.tar.gz</a>\n')
    out = run(['bash', 'tools/install.sh', 'fetch-mmcv', tmp_path / 'dl'],
              check=False,
              env=dict(
                  ZOO_VENV=str(VENV),
                  PIP_INDEX_URL=(tmp_path / 'index').as_uri(),
                  PIP_EXTRA_INDEX_URL='',
                  PIP_FIND_LINKS='',
                  PIP_NO_INDEX=''))
    assert (tmp_path / 'dl' / 'mmcv-2.1.0.tar.gz').read_bytes() == fake.read_bytes()
    assert out.returncode != 0
    assert 'mmcv 2.1.0 sdist: sha256 differs from d387bcab' in out.stderr


@pytest.mark.changes_venv
def test_too_little_disk_is_one_line_before_anything_is_installed():
    """The installer checks free disk first (CI once ended in pip's OSError half-way)."""
    saved = STAMP.read_text()
    STAMP.unlink()
    try:
        out = run(['bash', 'tools/install.sh'],
                  check=False,
                  env=dict(ZOO_VENV=str(VENV), ZOO_NEED_GB='100000'))
    finally:
        STAMP.write_text(saved)
    assert out.returncode == 1
    assert 'installing needs about 100000 GB' in out.stderr
    assert f'MB free on the disk of {VENV}' in out.stderr
    assert 'installing build requirements' not in out.stdout
