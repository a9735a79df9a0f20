"""Exact resume of a run's random streams."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


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
