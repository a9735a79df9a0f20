"""Test plugin: a process sends itself a signal at the end of one iteration, as a job
scheduler would send SIGTERM or SIGUSR1 to a job it is about to stop."""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SignalAtIterHook(Hook):

    def __init__(self, at_iter, rank=None, signame='SIGTERM'):
        self.at_iter, self.rank, self.signum = at_iter, rank, getattr(signal, signame)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter == self.at_iter and self.rank in (None, runner.rank):
            os.kill(os.getpid(), self.signum)
