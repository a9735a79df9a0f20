"""tools/train.py and tools/test.py, as a user runs them, for every demo config."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import custom_modules.run  # noqa: F401 (registration; checkpoints load through compat)
from zoo_test_utils import (DEMO_CONFIGS, IN_PROCESS_LOADERS, QUICK, REPO, copy_work_dir, run,
                            run_tool)

METRIC = {'imrecog': 'cls/accuracy', 'objrecog': 'coco/bbox_mAP_50', 'imseg': 'Dice/sand'}
# Two iterations leave RetinaNet's scores near its 0.01 prior; keep all boxes so that
# COCO evaluation has detections to score (mmdet reports nothing at all otherwise).
TEST_OPTIONS = {'objrecog': ['model.test_cfg.score_thr=0.0']}


@pytest.mark.parametrize('family', sorted(DEMO_CONFIGS))
def test_demo_config_trains_tests_and_draws(family, tmp_path, trained):
    config = DEMO_CONFIGS[family]
    work, training = trained(config, QUICK)  # one short epoch, trained once a session
    copy_work_dir(work, tmp_path)  # testing writes into the work dir
    checkpoint = (tmp_path / 'last_checkpoint').read_text().strip()
    if family == 'objrecog':  # pycocotools' progress (and AP table): in the log, not the console
        assert 'Average Precision' not in training.stdout and 'index created' not in training.stdout
        assert 'index created' in next(tmp_path.glob('*/*.log')).read_text()
    assert checkpoint.endswith('epoch_1.pth')
    out = run_tool('test.py', config, checkpoint, '--work-dir', tmp_path, '--show-dir',
                   tmp_path / 'pics', '--out', tmp_path / 'preds.pkl', '--cfg-options', *QUICK[2:],
                   *TEST_OPTIONS.get(family, []))
    metrics = json.loads((tmp_path / 'test_metrics.json').read_text())
    assert 0 <= metrics[METRIC[family]] <= 100
    assert METRIC[family] in out.stdout
    assert list((tmp_path / 'pics').rglob('*.png')) or list((tmp_path / 'pics').rglob('*.jpg'))
    assert (tmp_path / 'preds.pkl').stat().st_size > 0
    # the run's summary: config, time, best and last metrics, pictures, what to do next
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['config'] == config and summary['trained']['epochs'] == 1
    # the metric the checkpoint hook keeps the best of (save_best), by name
    assert list(summary['best']) == [
        'coco/bbox_mAP' if family == 'objrecog' else next(iter(summary['last_metrics']))
    ]
    assert 'curves.png' in summary['pictures']
    assert (tmp_path / 'curves.png').stat().st_size > 1000
    markdown = (tmp_path / 'summary.md').read_text()
    assert f'python tools/test.py {config} ' in markdown
    assert '| last validation metric |' in markdown
    # the family's metric figure, drawn by its hook from what the metric saved
    figure = {'imrecog': 'confusion_matrix.png', 'objrecog': 'counts_scatter.png'}.get(family)
    if figure:
        assert len(list(tmp_path.glob(f'*/{figure}'))) == 2  # the training and the test run
    if family == 'objrecog':  # tools/infer.py on new images, with the same checkpoint
        run_tool('infer.py', config, checkpoint, 'data/demo/objrecog/images/val', '--out-dir',
                 tmp_path / 'infer', '--score-thr', '0')
        assert len(list((tmp_path / 'infer').glob('*.png'))) == 40
        header = (tmp_path / 'infer' / 'detections.csv').read_text().splitlines()[0]
        assert header == 'filename,width,height,class,xmin,ymin,xmax,ymax,score'
        assert json.loads((tmp_path / 'infer' / 'detections.json').read_text())['images']
    if family == 'imseg':
        out = run_tool('infer.py', config, checkpoint, 'data/demo/imseg/images/val', '--out-dir',
                       tmp_path / 'infer')
        assert len(list((tmp_path / 'infer').glob('*_overlay.png'))) == 30
        mask = np.asarray(Image.open(tmp_path / 'infer' / 'val_0000_mask.png'))
        assert mask.shape == (64, 64) and set(np.unique(mask)) <= {0, 1}
        assert "pixel shares: {'water'" in out.stdout
        # an unreadable image among good ones: passed over and listed, the others written
        mixed = tmp_path / 'mixed'
        mixed.mkdir()
        for name in ('val_0000.png', 'val_0001.png'):
            shutil.copy(f'data/demo/imseg/images/val/{name}', mixed / name)
        (mixed / 'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n not a png')
        out = run_tool('infer.py', config, checkpoint, mixed, '--out-dir', tmp_path / 'mixed_out')
        assert len(list((tmp_path / 'mixed_out').glob('*_mask.png'))) == 2
        assert (tmp_path / 'mixed_out' / 'skipped_images.txt').read_text() == \
            f'{mixed}/broken.png: not a readable image\n'
        assert 'passed over 1 unreadable image(s)' in out.stderr
        out = run_tool(
            'infer.py',
            config,
            checkpoint,
            mixed,
            '--out-dir',
            tmp_path / 'strict',
            '--on-bad',
            'error',
            check=False)
        assert out.returncode == 2 and out.stderr.strip().splitlines()[-1] == (
            f'error: {mixed}/broken.png: not a readable image; remove it, or pass over '
            'unreadable images with --on-bad skip')


def test_amp_on_cpu_is_a_one_line_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('a GPU is visible')
    proc = run_tool(
        'train.py', DEMO_CONFIGS['imrecog'], '--amp', '--work-dir', tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        'error: --amp needs a CUDA GPU and none is visible; drop --amp to train in full '
        'precision on the CPU'
    ]


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    proc = run_tool('test.py', DEMO_CONFIGS['imseg'], tmp_path / 'nope.pth', check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f'error: checkpoint not found: {tmp_path / "nope.pth"}'


SMALL = [*QUICK[1:], 'train_dataloader.batch_size=4']  # 4 iterations an epoch


def optimizer_steps(checkpoint):
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    steps = {int(s['step']) for s in state['optimizer']['state'].values()}
    assert len(steps) == 1
    return state['meta']['iter'], steps.pop()


def test_resume_restores_iteration_and_optimizer(tmp_path):
    config = DEMO_CONFIGS['imrecog']
    run_tool('train.py', config, '--work-dir', tmp_path, '--cfg-options', 'train_cfg.max_epochs=1',
             *SMALL)
    assert optimizer_steps(tmp_path / 'epoch_1.pth') == (4, 4)
    out = run_tool('train.py', config, '--work-dir', tmp_path, '--resume', '--verbose',
                   '--cfg-options', 'train_cfg.max_epochs=2', *SMALL)
    assert 'resumed epoch: 1, iter: 4' in out.stdout + out.stderr
    # Adam's step count continues from 4: the optimizer state was restored too.
    assert optimizer_steps(tmp_path / 'epoch_2.pth') == (8, 8)


def test_dist_train_two_processes_on_cpu(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this test is about gloo on CPUs')
    out = run([
        'bash', 'tools/dist_train.sh', DEMO_CONFIGS['imrecog'], '2', '--work-dir', tmp_path,
        '--verbose', '--cfg-options', 'train_cfg.max_epochs=1', *SMALL
    ],
              env=dict(PYTHON=sys.executable, PORT='29611'))
    log = out.stdout + out.stderr
    assert 'Distributed training: True' in log
    # 16 images over 2 ranks at batch 4: 2 iterations an epoch.
    assert optimizer_steps(tmp_path / 'epoch_1.pth') == (2, 2)
    # Rank 0 alone writes: one epoch checkpoint (and the best-so-far copy).
    assert sorted(
        p.name for p in tmp_path.glob('*.pth')) == ['best_cls_accuracy_epoch_1.pth', 'epoch_1.pth']
    # testing on 2 ranks: the prediction grid is drawn once, from both ranks' images
    out = run([
        'bash', 'tools/dist_test.sh', DEMO_CONFIGS['imrecog'], tmp_path / 'epoch_1.pth', '2',
        '--work-dir', tmp_path / 'test', '--show-dir', tmp_path / 'pictures', '--verbose',
        '--cfg-options', 'test_dataloader.dataset.indices=8', *IN_PROCESS_LOADERS
    ],
              env=dict(PYTHON=sys.executable, PORT='29612'))
    log = out.stdout + out.stderr
    assert log.count('prediction grids of') == 1 and 'prediction grids of 8 images' in log
    assert (tmp_path / 'pictures' / 'prediction_grid.png').stat().st_size > 1000


def test_launchers_find_the_interpreter_without_a_bare_python(tmp_path):
    """tools/python.sh: $PYTHON, else the active venv's, else the repository's .venv, else
    python3 (before, the launchers ran a bare `python`, missing on many machines)."""

    def chosen(**env):
        base = {k: v for k, v in os.environ.items() if k not in ('PYTHON', 'VIRTUAL_ENV')}
        out = subprocess.run(['bash', '-c', 'source tools/python.sh && echo "$PYTHON"'],
                             cwd=REPO,
                             env=dict(base, **env),
                             capture_output=True,
                             text=True)
        return out.stdout.strip()

    assert chosen(PYTHON='/opt/py/bin/python3.12') == '/opt/py/bin/python3.12'
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    (venv / 'bin' / 'python').write_text('#!/bin/sh\n')
    (venv / 'bin' / 'python').chmod(0o755)
    assert chosen(VIRTUAL_ENV=str(venv)) == str(venv / 'bin' / 'python')
    repo_venv = REPO / '.venv' / 'bin' / 'python'
    assert chosen() == (str(repo_venv) if repo_venv.exists() else 'python3')
