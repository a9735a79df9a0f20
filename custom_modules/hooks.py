"""Hooks every family uses: exact resume of random streams, and non-finite losses."""
import math
import random

import numpy as np
import torch
from mmengine.dist import all_reduce, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from .errors import ZooError


def derived_seed(seed, *keys):
    """A 32-bit seed that depends only on ``seed`` and ``keys`` (e.g. the epoch)."""
    return int(np.random.SeedSequence([seed or 0, *keys]).generate_state(1)[0])


@HOOKS.register_module()
class ResumableRandomnessHook(Hook):
    """Make the random streams a function of where training is, not of its history, so
    that a resumed run replays exactly what an uninterrupted one would have done:

    - before every epoch, Python, numpy and torch are seeded from (seed, epoch): the data
      augmentation of the main process (``num_workers=0``) depends only on the epoch;
    - before every iteration, torch is seeded from (seed, iteration): dropout and other
      random layers depend only on the iteration.

    Worker processes are seeded by mmengine from the seed at each epoch (non-persistent
    workers) or once (persistent workers: their streams are not replayed on resume).
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner):
        seed = derived_seed(runner.seed, 0, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        torch.manual_seed(derived_seed(runner.seed, 1, runner.iter))


def _finite_everywhere(loss):
    """Whether ``loss`` is finite on every rank (all ranks must skip a step together)."""
    flag = torch.isfinite(loss.detach()).all().float().reshape(1)
    if get_dist_info()[1] > 1:
        all_reduce(flag, op='min')
    return bool(flag.item())


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Act on the first NaN or Inf loss, naming the iteration and the loss term.

    Args:
        mode (str): ``'stop'`` (default): stop training before the next checkpoint, so
            the last checkpoint on disk is the last good one. ``'skip'``: skip the update
            of that step (the weights and optimizer state stay as they were), log a
            warning, and stop only after ``max_skips`` non-finite steps in a row.
        max_skips (int): in ``'skip'`` mode. Default 10.
    """

    priority = 'HIGHEST'

    def __init__(self, mode='stop', max_skips=10):
        if mode not in ('stop', 'skip'):
            raise ZooError(f"FiniteLossHook: mode={mode!r}; use 'stop' or 'skip'")
        self.mode, self.max_skips = mode, max_skips
        self.skipped_in_a_row = self.skipped = 0

    def before_train(self, runner):
        if self.mode == 'skip':
            self._guard(runner.optim_wrapper)

    def _guard(self, optim_wrapper):
        """Wrap ``update_params`` so that a non-finite loss updates nothing."""
        update_params = optim_wrapper.update_params

        def update_if_finite(loss, *args, **kwargs):
            if _finite_everywhere(loss):
                self.skipped_in_a_row = 0
                return update_params(loss, *args, **kwargs)
            optim_wrapper.zero_grad()
            self.skipped += 1
            self.skipped_in_a_row += 1

        optim_wrapper.update_params = update_if_finite

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        for name, value in (outputs or {}).items():
            value = float(value.detach()) if hasattr(value, 'detach') else float(value)
            if math.isfinite(value):
                continue
            where = f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}): {name} is {value}'
            if self.mode == 'skip' and self.skipped_in_a_row < self.max_skips:
                print_log(f'{where}; step skipped ({self.skipped} skipped so far)',
                          logger='current', level=30)
                return
            last = runner.message_hub.get_info('last_ckpt')
            raise ZooError(
                f'{where}; training stopped. Last good checkpoint: {last or "none yet"}. '
                'Lower the learning rate, check the data, or resume from that checkpoint')
