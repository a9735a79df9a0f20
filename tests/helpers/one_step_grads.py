"""Test helper: the gradients of one training step of a config, on a fixed batch (the
first images of its training set, the same on every rank), saved by rank 0.

    python tests/helpers/one_step_grads.py CONFIG OUT.pt [--launcher pytorch]
        [--cfg-options k=v ...]
"""
import argparse
import os
import sys

sys.path.insert(0, os.getcwd())

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from custom_modules.cli import build_runner, load_config, prepare_run  # noqa: E402
from custom_modules.run.runner import unwrap  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('out')
    parser.add_argument('--launcher', default='none')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args()
    args.work_dir = os.path.dirname(args.out)
    cfg = load_config(args)
    prepare_run(cfg, args)
    runner = build_runner(cfg)
    model = runner.model
    module = unwrap(model)
    loader = Runner.build_dataloader(dict(cfg.train_dataloader.to_dict(), num_workers=0), seed=0)
    batch = loader.collate_fn([loader.dataset[i] for i in range(4)])
    module.train()
    data = module.data_preprocessor(batch, True)
    loss, _ = module.parse_losses(model(**data, mode='loss'))
    loss.backward()
    if runner.rank == 0:
        torch.save(
            {
                name: param.grad
                for name, param in module.named_parameters() if param.grad is not None
            }, args.out)
    conv = next(p for p in module.parameters() if p.dim() == 4)
    print('channels_last:', conv.is_contiguous(memory_format=torch.channels_last))


if __name__ == '__main__':
    main()
