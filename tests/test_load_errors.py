"""A file that breaks after the check before training: one line naming it, or (on_bad=skip)
skipped, listed and replaced while the run goes on; too many such files stop the run."""
import shutil
import sys

import pytest

from zoo_test_utils import DEMO_CONFIGS, QUICK, REPO, run


@pytest.fixture
def data(tmp_path):
    """A copy of the demo texture images, and the first two training images of it."""
    root = tmp_path / 'data'
    shutil.copytree(REPO / 'data/demo/imrecog', root)
    return root, sorted((root / 'train' / 'marsh').iterdir())[:2]


def train(tmp_path, data_root, broken, *options, workers=0):
    config = tmp_path / 'breaking.py'
    config.write_text(
        f"_base_ = ['{REPO / DEMO_CONFIGS['imrecog']}']\n"
        "custom_imports = dict(imports=['custom_modules.imrecog', 'break_file'])\n"
        f"custom_hooks = [dict(type='BreakFilesHook', paths={list(map(str, broken))})]\n")
    return run([
        sys.executable, 'tools/train.py', config, '--work-dir', tmp_path / 'work', '--cfg-options',
        *QUICK, f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}', 'train_dataloader.dataset.indices=32',
        f'train_dataloader.num_workers={workers}', *options
    ],
               check=False,
               env=dict(PYTHONPATH=str(REPO / 'tests' / 'helpers')))


@pytest.mark.parametrize('workers', [0, 1])
def test_a_file_broken_after_the_check_is_one_line(tmp_path, data, workers):
    root, first = data
    proc = train(tmp_path, root, first[:1], workers=workers)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f'error: {first[0]}: could not be loaded (')
    assert proc.stderr.strip().endswith(
        "it changed after the check before training, or cannot be read now; fix it, or skip "
        "such samples with the dataset option on_bad='skip'")


def test_with_skip_the_run_goes_on_and_lists_the_file(tmp_path, data):
    root, first = data
    proc = train(tmp_path, root, first[:1], 'train_dataloader.dataset.on_bad=skip',
                 'train_dataloader.dataset.max_skip_share=0.05')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()
    listed = next((tmp_path / 'work').glob('*/skipped_samples.txt')).read_text()
    assert listed.startswith(f'{first[0]}: could not be loaded (')


def test_with_skip_too_many_broken_files_stop_the_run(tmp_path, data):
    root, first = data
    proc = train(tmp_path, root, first, 'train_dataloader.dataset.on_bad=skip',
                 'train_dataloader.dataset.max_skip_share=0.05')  # 2 of 32 is over 5 %
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        'error: 2 of 32 samples could not be loaded, more than max_skip_share=0.05 of the '
        'dataset; the dataset looks broken; last: ')


def test_the_share_counts_every_worker_skips(tmp_path, data):
    """Four broken files of 32 in two data loader workers: over 10 % for the run, though
    no single worker need see more than 10 % (each counted its own before)."""
    root, _ = data
    broken = sorted((root / 'train' / 'marsh').iterdir())[:4]  # among the 32 used
    proc = train(
        tmp_path,
        root,
        broken,
        'train_dataloader.dataset.on_bad=skip',
        'train_dataloader.dataset.max_skip_share=0.1',
        workers=2)
    assert len(broken) == 4
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1].startswith(
        'error: 4 of 32 samples could not be loaded, more than max_skip_share=0.1 of the '
        'dataset; the dataset looks broken; last: ')
