"""--vis tensorboard: losses, learning rate, every metric and the families' pictures reach
the tracker; a tracker whose package is missing is named in one line."""
import importlib.util
import json

import pytest

from zoo_test_utils import DEMO_CONFIGS, QUICK, run_tool


def test_tensorboard_receives_scalars_and_pictures(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, '--vis', 'tensorboard',
             '--cfg-options', *QUICK[1:], 'train_cfg.max_epochs=2', 'train_dataloader.batch_size=4')
    events = EventAccumulator(str(next(tmp_path.glob('*/vis_data/events.out.tfevents*'))))
    events.Reload()
    scalars = events.Tags()['scalars']
    assert {'loss', 'lr', 'cls/accuracy', 'cls/loss', 'cls/f1/marsh'} <= set(scalars)
    assert events.Tags()['images'] == ['confusion_matrix']
    # the same numbers as the run's own log
    logged = [json.loads(line) for line in next(tmp_path.glob('*/vis_data/scalars.json')).open()]
    accuracy = [r['cls/accuracy'] for r in logged if 'cls/accuracy' in r]
    assert [e.value for e in events.Scalars('cls/accuracy')] == pytest.approx(accuracy)
    assert len(accuracy) == 2


@pytest.mark.skipif(importlib.util.find_spec('wandb') is not None, reason='wandb installed')
def test_a_tracker_without_its_package_is_one_line(tmp_path):
    proc = run_tool(
        'train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, '--vis', 'wandb', check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        'error: --vis wandb needs the wandb package, which is not installed: pip install wandb')


def test_console_shows_a_line_an_epoch_and_the_log_file_keeps_everything(tmp_path):
    options = [
        '--cfg-options', *QUICK[1:], 'train_cfg.max_epochs=2', 'train_dataloader.batch_size=4'
    ]
    out = run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path / 'quiet', *options)
    lines = out.stdout.strip().splitlines()  # mmengine's FileClient notices only in the log
    # not a terminal: no bars, one line an epoch with its validation's metrics
    assert [line.split(':')[0] for line in lines] == ['epoch 1/2', 'epoch 2/2']
    assert lines[0].startswith('epoch 1/2: loss ') and ', lr ' in lines[0]
    assert ' | val: cls/accuracy ' in lines[0]
    assert 'mmengine - INFO' not in out.stdout + out.stderr
    log = next((tmp_path / 'quiet').glob('*/*.log')).read_text()
    assert 'Epoch(train)' in log and 'System environment' in log  # the full log, as before
    assert '"FileClient" will be deprecated' in log and 'FileClient' not in out.stdout
    verbose = run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path / 'loud',
                       '--verbose', *options)
    assert 'mmengine - INFO' in verbose.stdout and ' | val: ' not in verbose.stdout


def test_console_of_an_iteration_based_run_has_a_line_a_validation_interval(tmp_path):
    config = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
    out = run_tool('train.py', config, '--work-dir', tmp_path, '--cfg-options',
                   'train_cfg.max_iters=6', 'train_cfg.val_interval=3', 'param_scheduler.T_max=6',
                   *QUICK[3:])
    lines = [line for line in out.stdout.strip().splitlines() if ' - mmengine - ' not in line]
    assert [line.split(':')[0] for line in lines] == ['iter 3/6', 'iter 6/6']
    assert all(' | val: cls/accuracy ' in line for line in lines)


def test_no_upstream_notice_about_upstream_code_on_the_console(tmp_path):
    """A U-Net run printed five warnings about mmengine's and mmseg's own code (FileClient
    twice, build_loss, the visualisation hook's draw=False) and one about our metric's
    prefix; none asks anything of a user. The metric keys keep mmseg's names."""
    out = run_tool('train.py', DEMO_CONFIGS['imseg'], '--work-dir', tmp_path, '--cfg-options',
                   *QUICK[1:], 'train_cfg.max_epochs=1')
    console = out.stdout + out.stderr
    for notice in ('FileClient', 'build_loss', 'The draw is False', 'prefix is not set'):
        assert notice not in console
    assert ' | val: aAcc ' in console and ', mIoU ' in console


def test_on_a_terminal_the_bar_is_redrawn_in_place(tmp_path):
    """stderr a terminal (a pseudo-terminal here): each epoch's bar is one line redrawn
    with carriage returns up to n/n, then the epoch's metrics on a line of their own."""
    import os
    import pty
    import subprocess
    import sys

    from zoo_test_utils import REPO
    main, secondary = pty.openpty()
    proc = subprocess.Popen([
        sys.executable, 'tools/train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path,
        '--cfg-options', *QUICK[1:], 'train_cfg.max_epochs=2', 'train_dataloader.batch_size=4'
    ],
                            cwd=REPO,
                            stdin=subprocess.DEVNULL,
                            stdout=secondary,
                            stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=300) == 0
    os.close(main)
    screen = b''.join(chunks).decode(errors='replace')
    for epoch in (1, 2):
        assert f'\repoch {epoch}/2 [' in screen  # drawn from the line's start, in place
        assert '] 4/4 loss ' in screen.split(f'epoch {epoch}/2 [', 2)[-1]
        assert f'val epoch {epoch}: cls/accuracy ' in screen
    assert '\x1b[K' in screen  # the rest of the old bar is cleared
    assert screen.count('\n') < 20
