"""Checkpoints survive kills: atomic writes, and --resume finds the newest complete one."""
import signal
import subprocess
import sys
import time

import pytest
import torch

import custom_modules.run  # noqa: F401 (registration; applies compat)
from custom_modules.checkpoints import find_resumable_checkpoint, is_complete_checkpoint
from zoo_test_utils import DEMO_CONFIGS, QUICK, REPO, run


def save(path, value):
    from mmengine.runner.checkpoint import save_checkpoint
    save_checkpoint(dict(state_dict=dict(w=torch.full((1000, ), float(value)))), str(path))


def test_checkpoints_are_written_whole_or_not_at_all(tmp_path):
    save(tmp_path / 'epoch_1.pth', 1)
    assert is_complete_checkpoint(tmp_path / 'epoch_1.pth')
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']  # no temporary left


def test_resume_skips_a_cut_off_checkpoint(tmp_path):
    save(tmp_path / 'epoch_1.pth', 1)
    save(tmp_path / 'epoch_2.pth', 2)
    data = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_2.pth').write_bytes(data[:len(data) // 2])  # killed mid-write
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    (tmp_path / 'last_checkpoint').write_text('')  # killed while moving the pointer
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    (tmp_path / 'epoch_1.pth').unlink()
    assert find_resumable_checkpoint(str(tmp_path)) is None


def epoch_of(path):
    return int(path.rsplit('_', 1)[1].split('.')[0])


def test_kill_9_at_three_points_then_resume_finishes(tmp_path):
    """Kill at three moments (right after a save, 0.7 s and 1.5 s later), resume each time.

    The killed runs are asked for 40 epochs so that no kill can come too late; the last
    run resumes to two epochs past the newest checkpoint and must end exactly there.
    """

    def train(max_epochs):
        return [
            sys.executable, 'tools/train.py', DEMO_CONFIGS['imrecog'], '--work-dir',
            str(tmp_path), '--auto-resume', '--cfg-options', f'train_cfg.max_epochs={max_epochs}',
            'train_dataloader.batch_size=4', *QUICK[1:]
        ]

    for delay in (0.0, 0.7, 1.5):
        before = {p.name for p in tmp_path.glob('epoch_*.pth')}
        proc = subprocess.Popen(
            train(40), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 300
        while {p.name for p in tmp_path.glob('epoch_*.pth')} <= before:
            assert proc.poll() is None and time.time() < deadline, 'no new checkpoint'
            time.sleep(0.05)
        time.sleep(delay)
        assert proc.poll() is None, 'the run ended before it could be killed'
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    newest = epoch_of(find_resumable_checkpoint(str(tmp_path)))
    assert newest >= 3  # every killed run added at least one checkpoint
    run(train(newest + 2))
    state = torch.load(tmp_path / f'epoch_{newest + 2}.pth', map_location='cpu', weights_only=True)
    # 4 iterations an epoch, none lost or repeated across the kills
    assert state['meta']['iter'] == 4 * (newest + 2)
    assert {int(s['step']) for s in state['optimizer']['state'].values()} == {4 * (newest + 2)}


class _Payload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}', )


def test_malicious_checkpoint_is_refused_by_the_tools(tmp_path):
    marker = tmp_path / 'PWNED'
    torch.save({'state_dict': _Payload(marker)}, tmp_path / 'evil.pth')
    proc = run([
        sys.executable, 'tools/test.py', DEMO_CONFIGS['imseg'], tmp_path / 'evil.pth', '--work-dir',
        tmp_path / 'work'
    ],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        'error: refused to load a checkpoint: it holds a pickled object that could run code '
        'when loaded (posix.system). Load only checkpoints you trust; for a trusted legacy '
        'checkpoint, rerun with --unsafe-load-checkpoint')
    assert not marker.exists()


def test_nan_loss_stops_with_iteration_and_term(tmp_path):
    proc = run([
        sys.executable, 'tools/train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path,
        '--cfg-options', 'param_scheduler.start=1e12', 'optim_wrapper.optimizer.lr=1e12',
        *QUICK[1:], 'train_dataloader.batch_size=4'
    ],
               check=False)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: iteration ') and ': loss is nan; training stopped.' in last
    assert not list(tmp_path.glob('*.pth'))  # nothing written from the broken weights


def test_skip_mode_skips_non_finite_steps_then_stops():
    from mmengine.logging import MessageHub

    from custom_modules.errors import ZooError
    from custom_modules.run.optim_wrappers import FiniteOptimWrapper
    weight = torch.nn.Parameter(torch.zeros(1))
    wrapper = FiniteOptimWrapper(
        optimizer=torch.optim.SGD([weight], lr=1.0), nonfinite='skip', max_skips=2)
    hub = MessageHub.get_current_instance()
    for step, scale in enumerate([1.0, float('nan'), 2.0, float('inf')]):
        hub.update_info('iter', step)
        wrapper.update_params(-scale * weight.sum())  # gradient -scale: weight += scale
    assert weight.item() == 3.0  # the steps of 1 and 2 taken; nan and inf skipped
    assert wrapper.skipped == 2
    hub.update_info('iter', 4)
    with pytest.raises(ZooError, match=r'^iteration 5 \(epoch 1\): loss is nan; training stopped'):
        wrapper.update_params(float('nan') * weight.sum())  # a second one in a row: stop
    assert weight.item() == 3.0


def test_resume_without_a_pointer_says_so(tmp_path, monkeypatch):
    import custom_modules.checkpoints.resume as checkpoints
    said = []
    monkeypatch.setattr(checkpoints, 'print_log', lambda msg, **kw: said.append(msg))
    assert find_resumable_checkpoint(str(tmp_path)) is None
    assert said == []  # nothing to resume from, nothing to say
    save(tmp_path / 'epoch_1.pth', 1)
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    assert said == [
        f'no last_checkpoint pointer in {tmp_path}; resuming from the newest '
        f'complete checkpoint: {tmp_path / "epoch_1.pth"}'
    ]


def test_disk_full_during_a_checkpoint_keeps_the_previous_one(tmp_path):
    config = tmp_path / 'disk_full.py'
    config.write_text(f"_base_ = ['{REPO / DEMO_CONFIGS['imrecog']}']\n"
                      "custom_imports = dict(imports=['custom_modules.imrecog', 'disk_full'])\n"
                      "custom_hooks = [dict(type='DiskFullHook', name='epoch_2.pth')]\n")
    work = tmp_path / 'work'
    proc = run([
        sys.executable, 'tools/train.py', config, '--work-dir', work, '--cfg-options',
        'train_cfg.max_epochs=2', *QUICK[1:]
    ],
               check=False,
               env=dict(PYTHONPATH=str(REPO / 'tests' / 'helpers')))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: could not write {work}/epoch_2.pth (No space left on device); the previous '
        f'checkpoint and last_checkpoint are intact: free space in {work}, then continue '
        'with --resume')
    assert sorted(p.name
                  for p in work.glob('*.pth*')) == ['best_cls_accuracy_epoch_1.pth', 'epoch_1.pth']
    assert is_complete_checkpoint(work / 'epoch_1.pth')
    assert (work / 'last_checkpoint').read_text() == f'{work}/epoch_1.pth'
