"""Check that the semi-supervised training steps never wait for the GPU.

    python .dev_scripts/gpu/check_host_syncs.py [--device cuda|cpu]

Runs, on a fixed batch, the FixMatch model's ``loss`` and backward with the mean
teacher's EMA update, and the N-pairs model's ``loss`` and backward, under
``torch.cuda.set_sync_debug_mode('error')``: any call that makes the host wait for the
GPU (``.item()``, ``int()`` of a tensor, a boolean-mask gather, a blocking copy) raises.
With ``--device cpu`` the same steps run without that check (a dry run of this script).
"""
import argparse
import os
import sys
from contextlib import contextmanager

sys.path.insert(0, os.getcwd())

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import custom_modules.ssimrecog  # noqa: E402,F401 (registers the models)
from custom_modules.run.hooks import ema_update  # noqa: E402

FIXMATCH = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
NPAIRS = 'configs/ssimrecog/npairs_course-embed8_1xb8-1000it_demo-textures.py'


@contextmanager
def no_host_sync(device):
    if device != 'cuda':
        yield
        return
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode('default')


def build(config, device):
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    init_default_scope(cfg.default_scope)
    return MODELS.build(cfg.model).to(device).train()


def fixmatch_step(model, device):
    from mmpretrain.structures import DataSample
    samples = [
        DataSample().set_gt_label(torch.tensor([i % 4], device=device)) if i < 8 else DataSample(
            metainfo=dict(hidden_label=i % 4)) for i in range(40)
    ]
    weak, strong = (torch.randn(40, 3, 64, 64, device=device) for _ in range(2))

    def step():
        losses = model.loss([weak, strong], samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        ema_update(model.teacher, model.student, 0.01)
        return sorted(losses)

    return step


def npairs_step(model, device):
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(torch.tensor([i // 2], device=device)) for i in range(8)]
    inputs = torch.randn(8, 3, 64, 64, device=device)

    def step():
        losses = model(inputs, samples, mode='loss')
        losses['loss'].backward()
        return sorted(losses)

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cuda', 'cpu'], default='cuda')
    args = parser.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        sys.exit('error: --device cuda: no CUDA GPU is visible')
    for name, config, make_step in (('SemiSupervisedClassifier', FIXMATCH, fixmatch_step),
                                    ('NPairsEmbedder', NPAIRS, npairs_step)):
        step = make_step(build(config, args.device), args.device)
        step()  # the first step may sync (lazy initialisation, N-pairs' one pairing check)
        with no_host_sync(args.device):
            keys = step()
        checked = 'no host sync' if args.device == 'cuda' else 'ran (no sync check on CPU)'
        print(f'{name} training step: {checked}; returned {", ".join(keys)}')


if __name__ == '__main__':
    main()
