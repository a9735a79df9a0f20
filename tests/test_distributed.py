"""DDP on CPU (gloo) with 2 processes: what is proven here holds for nccl on GPUs too."""
import sys

import pytest
import torch

from zoo_test_utils import DEMO_CONFIGS, QUICK, REPO, run, run_ranks

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason='gloo on CPUs')
SMALL = [*QUICK[1:], 'train_dataloader.batch_size=4']  # 2 iterations an epoch on 2 ranks


def test_a_nan_on_one_rank_stops_every_rank_at_once(tmp_path):
    """Rank 1 alone sees a NaN loss at iteration 2: both ranks stop there, each with the
    one-line error, instead of rank 0 waiting for rank 1 until the collective times out."""
    config = tmp_path / 'nan_on_rank1.py'
    config.write_text(f"_base_ = ['{REPO / DEMO_CONFIGS['imrecog']}']\n"
                      "custom_imports = dict(imports=['custom_modules.imrecog', 'nan_on_rank'])\n"
                      "custom_hooks = [dict(type='NaNOnRankHook', rank=1, at_iter=1)]\n")
    ranks = run_ranks([
        sys.executable, 'tools/train.py', config, '--launcher', 'pytorch', '--work-dir',
        tmp_path / 'work', '--cfg-options', 'train_cfg.max_epochs=3', *SMALL
    ],
                      world_size=2,
                      port=29621,
                      timeout=240,
                      env=dict(PYTHONPATH=str(REPO / 'tests' / 'helpers')))
    for rank, proc in enumerate(ranks):
        assert proc.returncode == 2, f'rank {rank}:\n{proc.stderr[-3000:]}'
        assert proc.stderr.strip().splitlines()[-1].startswith(
            'error: iteration 2 (epoch 1): loss is nan on rank 1; training stopped.'), rank
    assert not list((tmp_path / 'work').glob('*.pth'))


def test_channels_last_before_ddp_gives_the_single_process_gradients(tmp_path):
    """--channels-last under DDP: the model is converted before DDP lays out its gradient
    buckets (no stride warning), and the gradients equal those of one process."""
    config = DEMO_CONFIGS['imseg']
    options = [
        '--cfg-options', 'channels_last=True', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ]
    single = run([
        sys.executable, 'tests/helpers/one_step_grads.py', config, tmp_path / 'single' / 'grads.pt',
        *options
    ])
    assert 'channels_last: True' in single.stdout
    ranks = run_ranks([
        sys.executable, 'tests/helpers/one_step_grads.py', config, tmp_path / 'ddp' / 'grads.pt',
        '--launcher', 'pytorch', *options
    ],
                      world_size=2,
                      port=29623)
    for rank, proc in enumerate(ranks):
        assert proc.returncode == 0, f'rank {rank}:\n{proc.stderr[-3000:]}'
        assert 'channels_last: True' in proc.stdout
        assert 'Grad strides do not match bucket view strides' not in proc.stderr, rank
    expected = torch.load(tmp_path / 'single' / 'grads.pt', weights_only=True)
    got = torch.load(tmp_path / 'ddp' / 'grads.pt', weights_only=True)
    assert set(got) == set(expected) and len(got) > 10
    for name, grad in expected.items():
        assert torch.allclose(got[name], grad, rtol=1e-5, atol=1e-7), name
