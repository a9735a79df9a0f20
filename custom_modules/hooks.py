"""Hooks every family uses."""
import math

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .errors import ZooError


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first NaN or Inf loss, naming the iteration and the loss term.

    The run stops before the next checkpoint is written, so the last checkpoint on disk is
    the last good one; resume from it with a lower learning rate or fixed data.
    """

    priority = 'HIGHEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        for name, value in (outputs or {}).items():
            value = float(value.detach()) if hasattr(value, "detach") else float(value)
            if not math.isfinite(value):
                last = runner.message_hub.get_info('last_ckpt')
                raise ZooError(
                    f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}): {name} is {value}; '
                    f'training stopped. Last good checkpoint: {last or "none yet"}. Lower the '
                    'learning rate, check the data, or resume from that checkpoint')
