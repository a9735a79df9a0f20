"""The optimizer wrappers of every family: no step from a NaN or Inf loss, decided by all
ranks together, and bf16 mixed precision without a loss scaler.

The schedule bases select :class:`FiniteOptimWrapper` (``optim_wrapper.type``);
``--amp`` switches it to :class:`Bf16OptimWrapper` or, on GPUs without bf16,
:class:`FiniteAmpOptimWrapper` (:func:`custom_modules.run.speed.use_amp`).
"""
import logging
import math
from contextlib import contextmanager

import torch
from mmengine.dist import all_reduce, get_dist_info
from mmengine.logging import MessageHub, print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

from ..errors import ZooError


def loss_of_every_rank(loss):
    """``loss`` as every rank computed it (a list of floats, one all-reduce).

    Each rank writes its own slot of a zero vector and the vector is summed: NaN and Inf
    stay in the slot of the rank that had them. The one host sync this costs is one that
    mmengine's logging of the loss pays in the same step anyway.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return [float(loss.detach())]
    values = torch.zeros(world_size, device=loss.device)
    values[rank] = loss.detach().float()
    all_reduce(values)
    return values.tolist()


class FiniteStepsMixin:
    """``update_params`` that takes no step when the loss is NaN or Inf on any rank.

    Every rank sees every rank's loss, so all of them skip, or all of them stop, in the
    same iteration: no rank is left waiting for the others in the next all-reduce.

    Args:
        nonfinite (str): ``'stop'`` (default): raise, naming the iteration and the
            loss, before the step; the last checkpoint on disk is the last good one.
            ``'skip'``: leave the weights and optimizer state as they were, log a
            warning, and stop at the ``max_skips``-th such step in a row.
        max_skips (int): in ``'skip'`` mode. Default 10.
    """

    def __init__(self, *args, nonfinite='stop', max_skips=10, **kwargs):
        if nonfinite not in ('stop', 'skip'):
            raise ZooError(f"optim_wrapper.nonfinite={nonfinite!r}; use 'stop' or 'skip'")
        super().__init__(*args, **kwargs)
        self.nonfinite, self.max_skips = nonfinite, max_skips
        self.skipped = self.skipped_in_a_row = 0

    def update_params(self, loss, step_kwargs=None, zero_kwargs=None):
        values = loss_of_every_rank(loss)
        bad = [(rank, value) for rank, value in enumerate(values) if not math.isfinite(value)]
        if not bad:
            self.skipped_in_a_row = 0
            return super().update_params(loss, step_kwargs, zero_kwargs)
        self.skipped += 1
        self.skipped_in_a_row += 1
        hub = MessageHub.get_current_instance()
        iteration, epoch = hub.get_info('iter', 0) + 1, hub.get_info('epoch', 0) + 1
        losses = ', '.join(f'{value} on rank {rank}' if len(values) > 1 else f'{value}'
                           for rank, value in bad)
        where = f'iteration {iteration} (epoch {epoch}): loss is {losses}'
        if self.nonfinite == 'skip' and self.skipped_in_a_row < self.max_skips:
            print_log(
                f'{where}; step skipped ({self.skipped} skipped so far)',
                logger='current',
                level=logging.WARNING)
            return
        last = hub.get_info('last_ckpt')
        raise ZooError(f'{where}; training stopped. Last good checkpoint: {last or "none yet"}. '
                       'Lower the learning rate, check the data, or resume from that checkpoint')


@OPTIM_WRAPPERS.register_module()
class FiniteOptimWrapper(FiniteStepsMixin, OptimWrapper):
    """mmengine's ``OptimWrapper`` that takes no step from a non-finite loss
    (:class:`FiniteStepsMixin`): full precision."""


@OPTIM_WRAPPERS.register_module()
class Bf16OptimWrapper(FiniteOptimWrapper):
    """:class:`FiniteOptimWrapper` with the forward pass under bf16 autocast.

    No loss scaler: bf16 has float32's exponent range, so gradients do not underflow, and
    mmengine's ``AmpOptimWrapper`` would add a scale, an unscale and a host sync to every
    step for nothing. Works on CUDA and (slowly, for tests) on the CPU.
    """

    @contextmanager
    def optim_context(self, model):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device, dtype=torch.bfloat16):
            yield


@OPTIM_WRAPPERS.register_module()
class FiniteAmpOptimWrapper(FiniteStepsMixin, AmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper`` (fp16 autocast with dynamic loss scaling, for GPUs
    without bf16) that takes no step from a non-finite loss."""
