"""Preemption: on SIGTERM/SIGUSR1 a run checkpoints after the current iteration and exits
75; --resume then continues mid-epoch and ends with the weights of an uninterrupted run."""
import sys

import pytest
import torch

import custom_modules.run  # noqa: F401 (registration; checkpoints load through compat)
from custom_modules.run.run_dir import LOCK_NAME
from zoo_test_utils import DEMO_CONFIGS, QUICK, REPO, run, run_ranks

HELPERS = dict(PYTHONPATH=str(REPO / 'tests' / 'helpers'))


def config_with_signal(tmp_path, **hook):
    config = tmp_path / 'signalled.py'
    config.write_text(f"_base_ = ['{REPO / DEMO_CONFIGS['imrecog']}']\n"
                      "custom_imports = dict(imports=['custom_modules.imrecog', "
                      "'signal_at_iter'])\n"
                      f"custom_hooks = [dict(type='SignalAtIterHook', **{hook!r})]\n")
    return config


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def train(config, work_dir, *options, resume=False, check=True):
    return run([
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        *(['--resume', '--verbose'] if resume else []), '--cfg-options', *QUICK[1:],
        'train_dataloader.batch_size=4', 'train_cfg.max_epochs=2', *options
    ],
               env=HELPERS,
               check=check)


def test_sigterm_mid_epoch_checkpoints_and_resume_is_exact(tmp_path):
    """4 iterations an epoch; the signal comes at the end of the 6th (epoch 2, 2nd batch)."""
    config = config_with_signal(tmp_path, at_iter=5)
    train(config, tmp_path / 'straight', 'custom_hooks.0.at_iter=-1')
    proc = train(config, tmp_path / 'stopped', check=False)
    assert proc.returncode == 75, proc.stderr[-2000:]
    checkpoint = tmp_path / 'stopped' / 'iter_6.pth'
    assert proc.stderr.strip().splitlines()[-1] == (
        f'preempted (SIGTERM) after iteration 6 (epoch 2): checkpoint {checkpoint}; continue '
        f'with: python tools/train.py {config} --work-dir {tmp_path / "stopped"} --resume')
    assert (tmp_path / 'stopped' / 'last_checkpoint').read_text() == str(checkpoint)
    assert not (tmp_path / 'stopped' / 'epoch_2.pth').exists()
    assert not (tmp_path / 'stopped' / LOCK_NAME).exists()
    out = train(config, tmp_path / 'stopped', resume=True)
    assert 'resuming epoch 2 after its first 2 iterations' in out.stdout + out.stderr
    straight = weights(tmp_path / 'straight' / 'epoch_2.pth')
    resumed = weights(tmp_path / 'stopped' / 'epoch_2.pth')
    different = [k for k in straight if not torch.equal(straight[k], resumed[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'


@pytest.mark.skipif(torch.cuda.is_available(), reason='gloo on CPUs')
def test_a_signal_to_one_rank_stops_every_rank_after_the_same_iteration(tmp_path):
    config = config_with_signal(tmp_path, at_iter=2, rank=1, signame='SIGUSR1')
    ranks = run_ranks([
        sys.executable, 'tools/train.py', config, '--launcher', 'pytorch', '--work-dir',
        tmp_path / 'work', '--cfg-options', *QUICK[1:], 'train_dataloader.batch_size=4',
        'train_cfg.max_epochs=3'
    ],
                      world_size=2,
                      port=29631,
                      timeout=240,
                      env=HELPERS)
    for rank, proc in enumerate(ranks):
        assert proc.returncode == 75, f'rank {rank}:\n{proc.stderr[-3000:]}'
    assert ranks[0].stderr.strip().splitlines()[-1].startswith(
        'preempted (another rank) after iteration 3 (epoch 2)')
    assert (tmp_path / 'work' / 'iter_3.pth').exists()
