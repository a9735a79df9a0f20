"""The mean teacher: a hook with one job, keeping ``model.teacher`` an exponential moving
average of ``model.student`` (as mmdet's ``MeanTeacherHook``), for any model with both
(``SemiSupervisedClassifier``, ``SemiSupervisedSegmentor``)."""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...errors import ZooError
from ..runner import unwrap


@torch.no_grad()
def ema_update(teacher, student, decay):
    """``teacher = decay * teacher + (1 - decay) * student``, parameters and float buffers
    (BN statistics), in a few fused kernels; integer buffers are copied. ``decay`` is the
    share of the teacher kept, as everywhere in the zoo: close to 1, slow teacher."""
    pairs = [
        *zip(teacher.parameters(), student.parameters()),
        *((t, s) for t, s in zip(teacher.buffers(), student.buffers()) if t.dtype.is_floating_point)
    ]
    if pairs:
        torch._foreach_lerp_([t for t, _ in pairs], [s.detach() for _, s in pairs], 1 - decay)
    counters = [(t, s) for t, s in zip(teacher.buffers(), student.buffers())
                if not t.dtype.is_floating_point]
    if counters:
        torch._foreach_copy_([t for t, _ in counters], [s for _, s in counters])


@HOOKS.register_module()
class MeanTeacherHook(Hook):
    """Keeps ``model.teacher`` an EMA of ``model.student``: a copy of it when training
    starts afresh (a resumed run keeps the teacher of its checkpoint), then one EMA step
    after every training iteration.

    Args:
        decay (float): the share of the teacher kept in each EMA step (the zoo's one
            meaning of an EMA's number; ``semi_train_cfg.ema_decay`` too). Default 0.99.
            mmdet's ``MeanTeacherHook`` takes ``momentum``, the student's share: that
            key is refused here with the number to write instead.
    """

    def __init__(self, decay=0.99, **old):
        if 'momentum' in old:
            raise ZooError(f'MeanTeacherHook: momentum={old["momentum"]} (the student\'s '
                           f'share) is now decay={1 - old["momentum"]:g} (the share of the '
                           'teacher kept each step)')
        if old:
            raise ZooError(f'MeanTeacherHook: unknown options {sorted(old)}; it takes decay')
        if not 0 <= decay < 1:
            raise ZooError(f'MeanTeacherHook: decay={decay} must be in [0, 1)')
        self.decay = decay

    @staticmethod
    def _model(runner):
        model = unwrap(runner.model)
        if not (hasattr(model, 'teacher') and hasattr(model, 'student')):
            raise ZooError(f'MeanTeacherHook needs a model with a student and a teacher '
                           '(SemiSupervisedClassifier, SemiSupervisedSegmentor), not '
                           f'{type(model).__name__}')
        return model

    def before_train(self, runner):
        model = self._model(runner)
        if runner.iter == 0:
            ema_update(model.teacher, model.student, 0.0)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = self._model(runner)
        ema_update(model.teacher, model.student, self.decay)
