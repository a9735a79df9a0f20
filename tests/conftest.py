"""Fixtures every test file may use: the repository root as working directory, and the
small trained models (and exported model folders) that several files need, made once."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from zoo_test_utils import REPO, run_tool


def pytest_configure(config):
    """Under pytest-xdist, the cores are shared out between the workers: torch (and every
    tool a test starts, which inherits the variable) uses its share of threads rather than
    all of them in each worker, which oversubscribes the cores and slows both."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if workers:
        share = max(1, (os.cpu_count() or 1) // int(workers))
        os.environ.setdefault('OMP_NUM_THREADS', str(share))


def pytest_collection_modifyitems(config, items):
    """Tests that reinstall into the venv (marker changes_venv) run alone: with workers,
    the others would start tools while mmcv is being reinstalled under them. So with
    workers they run only when the marker expression names them; tools/run_tests.sh runs
    them after the others, with -n 0."""
    with_workers = os.environ.get('PYTEST_XDIST_WORKER') or config.getoption('numprocesses', None)
    if not with_workers or 'changes_venv' in config.option.markexpr:
        return
    alone = [item for item in items if item.get_closest_marker('changes_venv')]
    if alone:
        config.hook.pytest_deselected(items=alone)
        items[:] = [item for item in items if item not in alone]


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    """Tests run the tools from the repository root, as users do."""
    monkeypatch.chdir(REPO)


@pytest.fixture(scope='session')
def _made_once(tmp_path_factory):
    """``made_once(kind, key, make)``: the folder ``make(folder)`` filled, made once per
    session however many files and xdist workers ask (the first makes it under a file
    lock, the others wait and read it), cached under pytest's base temporary folder by
    ``kind`` and a hash of ``key``. Returns (folder, what ``make`` returned, as JSON)."""
    from filelock import FileLock
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):  # gw0, gw1, ... share their parent folder
        root = root.parent
    root = root / 'made_once'
    root.mkdir(exist_ok=True)

    def made_once(kind, key, make):
        digest = hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:12]
        folder = root / f'{kind}-{digest}'
        record = folder.with_suffix('.json')
        with FileLock(str(folder.with_suffix('.lock'))):
            if not record.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                record.write_text(json.dumps(make(folder)))
        return folder, json.loads(record.read_text())

    return made_once


@pytest.fixture(scope='session')
def trained(_made_once):
    """``trained(config, options)``: the work dir of ``tools/train.py CONFIG --cfg-options
    OPTIONS`` and that run's CompletedProcess, trained once per session for every test
    that asks for the same config and options. The work dir is shared: read it, or copy
    it into the test's own folder (``zoo_test_utils.copy_work_dir``) before writing there
    (resuming, testing into it)."""

    def train(config, options):
        options = [str(o) for o in options]

        def make(work):
            proc = run_tool('train.py', config, '--work-dir', work, '--cfg-options', *options)
            return dict(stdout=proc.stdout, stderr=proc.stderr)

        work, out = _made_once('train', [str(config), options], make)
        args = ['tools/train.py', str(config), '--work-dir', str(work), '--cfg-options', *options]
        return work, subprocess.CompletedProcess(args, 0, out['stdout'], out['stderr'])

    return train


@pytest.fixture(scope='session')
def exported(trained, _made_once):
    """``exported(config, options, checkpoint)``: the model folder that
    ``tools/deployment/export_onnx.py`` writes (its parity check passed) for the
    ``checkpoint`` file of ``trained(config, options)``, made once per session; returns
    (config, checkpoint path, model folder, the exporter's stdout)."""

    def export(config, options, checkpoint):
        work, _ = trained(config, options)

        def make(folder):
            out = run_tool(
                'export_onnx.py',
                config,
                work / checkpoint,
                '--out',
                folder / 'onnx',
                tool_dir='tools/deployment')
            return dict(stdout=out.stdout)

        folder, out = _made_once('export', [str(work), checkpoint], make)
        return config, work / checkpoint, folder / 'onnx', out['stdout']

    return export
