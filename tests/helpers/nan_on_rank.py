"""Test plugin: one rank's weights turn NaN at one iteration, so that only that rank's
loss is NaN (as a bad sample or an overflow on one GPU would make it)."""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from custom_modules.run.runner import unwrap


@HOOKS.register_module()
class NaNOnRankHook(Hook):

    def __init__(self, rank=1, at_iter=1):
        self.rank, self.at_iter = rank, at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.rank == self.rank and runner.iter == self.at_iter:
            model = unwrap(runner.model)
            with torch.no_grad():
                for param in model.parameters():
                    param.fill_(float('nan'))
