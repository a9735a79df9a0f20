"""A FixMatch-style classifier with a mean teacher.

Labelled images: cross-entropy on their weak view. Unlabelled images: the teacher's
prediction on the weak view becomes a pseudo-label where its confidence reaches
``threshold``, and the student learns it on the strong view. The teacher is an
exponential moving average of the student, kept by :class:`SemiSupervisedHook`, which
also ramps the unsupervised weight up.
"""
import copy

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from ..errors import ZooError


def pseudo_labels(probs, threshold):
    """``(labels, mask)``: the most probable class and whether its probability reaches
    ``threshold``."""
    confidence, labels = probs.max(dim=1)
    return labels, confidence >= threshold


@MODELS.register_module()
class SemiSupervisedClassifier(BaseModel):
    """Student + EMA teacher, any mmpretrain classifier (``ImageClassifier`` config).

    Training batches carry two views per image (``MultiView`` transform: weak, strong);
    images with a ``gt_label`` are labelled, the others unlabelled.

    Args:
        classifier (dict): the student's config; the teacher is a copy of it.
        threshold (float): teacher confidence needed for a pseudo-label. Default 0.95.
        unsup_weight (float): weight of the unsupervised loss once ramped up. Default 1.
        predict_with (str): ``'teacher'`` (default) or ``'student'`` at test time.
        data_preprocessor (dict, optional): default ``SelfSupDataPreprocessor`` (handles
            the two views) with ImageNet mean/std, BGR to RGB.
    """

    def __init__(self, classifier, threshold=0.95, unsup_weight=1.0, predict_with='teacher',
                 data_preprocessor=None, init_cfg=None):
        if predict_with not in ('teacher', 'student'):
            raise ZooError(f"predict_with={predict_with!r}; use 'teacher' or 'student'")
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            data_preprocessor = MODELS.build(data_preprocessor or dict(
                type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], to_rgb=True))
            student = MODELS.build(classifier)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = student
        self.teacher = copy.deepcopy(self.student).requires_grad_(False)
        self.threshold, self.unsup_weight = threshold, unsup_weight
        self.predict_with = predict_with
        self.unsup_scale = 1.0  # the hook's ramp-up factor
        self.hook_ready = False  # set by SemiSupervisedHook.before_train
        self.reset_stats()

    @property
    def head(self):
        """The student's head (what ``NumClassesCheckHook`` checks)."""
        return self.student.head

    def train(self, mode=True):
        """The teacher always predicts in eval mode (its BN uses averaged statistics)."""
        super().train(mode)
        self.teacher.eval()
        return self

    def reset_stats(self):
        self.stats = dict(unlabelled=0, confident=0, with_truth=0, correct=0,
                          confident_with_truth=0, confident_correct=0)

    @staticmethod
    def _logits(model, x):
        return model.head(model.extract_feat(x))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return getattr(self, self.predict_with).predict(inputs, data_samples)
        if mode == 'tensor':
            return self._logits(getattr(self, self.predict_with), inputs)
        raise RuntimeError(f'invalid mode {mode!r}')

    def loss(self, inputs, data_samples):
        if not self.hook_ready:
            raise ZooError('SemiSupervisedClassifier trains only with SemiSupervisedHook '
                           "(add dict(type='SemiSupervisedHook') to custom_hooks)")
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ZooError('SemiSupervisedClassifier needs two views of each training image;'
                           " end the training pipeline with MultiView(num_views=[1, 1], ...)")
        weak, strong = inputs
        is_labelled = torch.tensor(['gt_label' in s for s in data_samples], device=weak.device)
        n_labelled = int(is_labelled.sum())
        logits = self._logits(self.student, torch.cat([weak[is_labelled], strong[~is_labelled]]))
        losses = {}
        if n_labelled:
            labels = torch.cat([s.gt_label for s in data_samples if 'gt_label' in s]).to(weak.device)
            losses['loss_sup'] = self.student.head.loss_module(
                logits[:n_labelled], labels, avg_factor=n_labelled)
        if n_labelled < len(data_samples):
            with torch.no_grad():
                probs = self._logits(self.teacher, weak[~is_labelled]).softmax(dim=1)
            labels, mask = pseudo_labels(probs, self.threshold)
            per_image = F.cross_entropy(logits[n_labelled:], labels, reduction='none')
            weight = self.unsup_weight * self.unsup_scale
            losses['loss_unsup'] = weight * (per_image * mask).mean()
            hidden = [s.metainfo.get('hidden_label', -1)
                      for s in data_samples if 'gt_label' not in s]
            self._count(labels, mask, torch.tensor(hidden, device=labels.device))
        return losses

    def _count(self, labels, mask, hidden):
        known = hidden >= 0
        right = (labels == hidden) & known
        self.stats['unlabelled'] += len(labels)
        self.stats['confident'] += int(mask.sum())
        self.stats['with_truth'] += int(known.sum())
        self.stats['correct'] += int(right.sum())
        self.stats['confident_with_truth'] += int((mask & known).sum())
        self.stats['confident_correct'] += int((mask & right).sum())
