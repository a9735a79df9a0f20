"""A checkpoint when the scheduler is about to stop the run (SIGTERM, SIGUSR1)."""
import os
import os.path as osp
import signal
import sys
import threading

import torch
from mmengine.dist import all_reduce, barrier, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ... import commands
from ..distributed import leave_process_group


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Save the run when the scheduler is about to stop it.

    Slurm (``--signal=USR1@90`` or at its time limit) and cloud schedulers send SIGTERM
    or SIGUSR1 before they kill a job. On either, the current iteration finishes, every
    rank agrees to stop (one all-reduce per iteration in a distributed run), a checkpoint
    is written (atomically) and named in ``last_checkpoint``, the way to resume is
    printed, and the process exits with :attr:`EXIT_CODE` (75, "temporary failure":
    ``tools/slurm_train.sh`` requeues the job). With ``ResumableEpochBasedTrainLoop``
    (the zoo's epoch loop) ``--resume`` continues mid-epoch exactly where it stopped.
    """

    priority = 'LOWEST'  # after the step and every other hook of the iteration
    EXIT_CODE = 75

    def __init__(self, signals=('SIGTERM', 'SIGUSR1')):
        self.signals = [getattr(signal, name) for name in signals]
        self._received, self._previous = None, {}

    def _on_signal(self, signum, frame):
        self._received = signum

    def before_train(self, runner):
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._received = None
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def after_train(self, runner):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _stop_requested(self):
        stop = torch.tensor([float(self._received is not None)])
        if get_world_size() > 1:
            all_reduce(stop, op='max')
        return bool(stop.item())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not self._stop_requested():
            return
        iteration = runner.iter + 1  # iterations done, this one included
        filename = f'iter_{iteration}.pth'
        runner.save_checkpoint(
            runner.work_dir, filename, meta=dict(epoch=runner.epoch, iter=iteration))
        checkpoint = osp.join(runner.work_dir, filename)
        if is_main_process():
            pointer = osp.join(runner.work_dir, 'last_checkpoint')
            with open(pointer + '.tmp', 'w') as f:
                f.write(checkpoint)
            os.replace(pointer + '.tmp', pointer)
            name = signal.Signals(self._received).name if self._received else 'another rank'
            print(
                f'preempted ({name}) after iteration {iteration} (epoch {runner.epoch + 1}): '
                f'checkpoint {checkpoint}; continue with: '
                f'{commands.resume(runner.cfg.filename, runner.work_dir)}',
                file=sys.stderr,
                flush=True)
        barrier()  # no rank leaves before the checkpoint is written
        leave_process_group()
        raise SystemExit(self.EXIT_CODE)
