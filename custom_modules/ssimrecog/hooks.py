"""The semi-supervised hook: EMA teacher, unsupervised-weight ramp-up, pseudo-label logs."""
import math

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ..errors import ZooError


def rampup(step, rampup_iters, shape='sigmoid'):
    """Factor in [0, 1] at ``step``: ``exp(-5 (1 - t)^2)`` (mean teacher's sigmoid ramp)
    or ``t`` (linear), with ``t = min(step / rampup_iters, 1)``; 1 when ``rampup_iters``
    is 0."""
    if rampup_iters <= 0:
        return 1.0
    t = min(max(step, 0) / rampup_iters, 1.0)
    if shape == 'linear':
        return t
    if shape == 'sigmoid':
        return math.exp(-5.0 * (1.0 - t) ** 2)
    raise ZooError(f"rampup shape {shape!r}; use 'sigmoid' or 'linear'")


@torch.no_grad()
def ema_update(teacher, student, momentum):
    """``teacher = (1 - momentum) * teacher + momentum * student``, parameters and float
    buffers (BN statistics); integer buffers are copied. OpenMMLab's convention
    (mmdet ``MeanTeacherHook``): small ``momentum``, slow teacher."""
    for t, s in zip(teacher.parameters(), student.parameters()):
        t.mul_(1 - momentum).add_(s.detach(), alpha=momentum)
    for t, s in zip(teacher.buffers(), student.buffers()):
        if t.dtype.is_floating_point:
            t.mul_(1 - momentum).add_(s, alpha=momentum)
        else:
            t.copy_(s)


@HOOKS.register_module()
class SemiSupervisedHook(Hook):
    """Keeps ``model.teacher`` an EMA of ``model.student``, ramps the unsupervised loss
    weight up, and every ``interval`` iterations logs the pseudo-labels:
    ``pseudo_confident`` (fraction at or above the threshold) and, where the unlabelled
    images secretly have labels, ``pseudo_acc`` (all) and ``pseudo_acc_confident``.

    Args:
        momentum (float): the student's share in each EMA step. Default 0.01.
        rampup_iters (int): iterations to reach the full unsupervised weight. Default 200.
        rampup_shape (str): ``'sigmoid'`` (default) or ``'linear'``.
        interval (int): log every this many iterations. Default 10.
    """

    priority = 'NORMAL'  # before LoggerHook, so its numbers are in the same log line

    def __init__(self, momentum=0.01, rampup_iters=200, rampup_shape='sigmoid', interval=10):
        if not 0 < momentum <= 1:
            raise ZooError(f'SemiSupervisedHook: momentum={momentum} must be in (0, 1]')
        rampup(0, 1, rampup_shape)  # validates the shape now, not at the first iteration
        self.momentum, self.rampup_iters = momentum, rampup_iters
        self.rampup_shape, self.interval = rampup_shape, interval

    @staticmethod
    def _model(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not (hasattr(model, 'teacher') and hasattr(model, 'student')):
            raise ZooError(f'SemiSupervisedHook needs a model with a student and a teacher '
                           f'(SemiSupervisedClassifier), not {type(model).__name__}')
        return model

    def before_train(self, runner):
        model = self._model(runner)
        if runner.iter == 0:  # a resumed run keeps the teacher from its checkpoint
            ema_update(model.teacher, model.student, 1.0)
        model.hook_ready = True
        model.reset_stats()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = self._model(runner)
        model.unsup_scale = rampup(runner.iter, self.rampup_iters, self.rampup_shape)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = self._model(runner)
        ema_update(model.teacher, model.student, self.momentum)
        if self.every_n_train_iters(runner, self.interval):
            self._log(runner, model)

    @staticmethod
    def _log(runner, model):
        s, hub = model.stats, runner.message_hub
        hub.update_scalar('train/unsup_scale', model.unsup_scale)
        if s['unlabelled']:
            hub.update_scalar('train/pseudo_confident', s['confident'] / s['unlabelled'])
        if s['with_truth']:
            hub.update_scalar('train/pseudo_acc', s['correct'] / s['with_truth'])
        if s['confident_with_truth']:
            hub.update_scalar('train/pseudo_acc_confident',
                              s['confident_correct'] / s['confident_with_truth'])
        model.reset_stats()
