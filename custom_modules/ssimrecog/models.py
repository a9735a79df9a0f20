"""The models of semi-supervised recognition: a FixMatch-style classifier with a mean teacher,
and the course's metric learning (a small embedding network trained with the N-pairs
loss).

FixMatch: labelled images are learnt from their weak view with cross-entropy; for
unlabelled images the teacher's prediction on the weak view becomes a pseudo-label where
its confidence reaches ``threshold``, and the student learns it on the strong view, with
a weight that ramps up over the first iterations. The model owns its loss and its
ramp-up (as mmdet's ``SemiBaseDetector``); :class:`MeanTeacherHook` keeps the teacher an
exponential moving average of the student and does nothing else.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, BaseModule
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from ..errors import ZooError
from ..semi import pseudo_labels, rampup, self_adaptive_thresholds, semi_settings

# the default data preprocessing of both models: ImageNet's mean and std (0-255, RGB)
IMAGENET_NORMALISATION = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


def build_preprocessor(cfg, default_type, unused_keys=()):
    """The model's data preprocessor from ``cfg``, ImageNet normalisation when ``None``.

    A dict without ``type`` (what mmengine's runner merges in from a dataset base's
    top-level ``data_preprocessor``: mean, std, to_rgb, num_classes) becomes
    ``default_type``, less ``unused_keys`` (those ``default_type`` does not take).
    """
    cfg = dict(cfg or IMAGENET_NORMALISATION)
    if 'type' not in cfg:
        cfg['type'] = default_type
        for key in unused_keys:
            cfg.pop(key, None)
    return MODELS.build(cfg)


SEMI_TRAIN_DEFAULTS = dict(
    threshold=0.95,
    unsup_weight=1.0,
    rampup_iters=200,
    rampup_shape='sigmoid',
    threshold_mode='fixed',
    distribution_alignment=False,
    ema_decay=0.999)
THRESHOLD_MODES = ('fixed', 'self-adaptive', 'soft')
ALIGNMENTS = (False, True, 'labelled')
SOFT_SIGMAS = 2  # SoftMatch's weight falls as a Gaussian of std (confidence std) / 2


def soft_weights(confidence, mean, var):
    """SoftMatch's weight of each pseudo-label (Chen et al., ICLR 2023): 1 where the
    teacher's confidence reaches ``mean`` (the running mean confidence), else a Gaussian
    of the shortfall, of variance ``var / SOFT_SIGMAS**2``: unsure pseudo-labels count a
    little instead of not at all."""
    shortfall = (confidence - mean).clamp(max=0.0)
    return torch.exp(-shortfall.pow(2) / (2 * var / SOFT_SIGMAS**2))


def align_distribution(probs, model_mean, target=None):
    """Distribution alignment (ReMixMatch, Berthelot et al. 2020): scale each class's
    probability by ``target / model_mean`` (target: the labelled class frequencies,
    uniform when None) and renormalise, so that pseudo-labels do not pile up on the
    classes the model already favours."""
    if target is None:
        target = torch.full_like(model_mean, 1.0 / model_mean.numel())
    aligned = probs * (target / model_mean.clamp_min(1e-6))
    return aligned / aligned.sum(dim=1, keepdim=True)


def _rows(x, indices):
    """Rows ``indices`` (a list) of ``x``, without waiting for the GPU."""
    return x.index_select(0, torch.tensor(indices).to(x.device, non_blocking=True))


@MODELS.register_module()
class SemiSupervisedClassifier(BaseModel):
    """Student + EMA teacher, any mmpretrain classifier (``ImageClassifier`` config).

    Training batches carry two views per image (``MultiView`` transform: weak, strong);
    images with a ``gt_label`` are labelled, the others unlabelled.

    Args:
        classifier (dict): the student's config; the teacher is a copy of it.
        semi_train_cfg (dict): ``threshold`` (teacher confidence needed for a
            pseudo-label, 0.95), ``unsup_weight`` (weight of the unsupervised loss once
            ramped up, 1.0), ``rampup_iters`` (iterations to reach it, 200),
            ``rampup_shape`` (``'sigmoid'`` or ``'linear'``), ``threshold_mode``
            (``'fixed'``: ``threshold``; ``'self-adaptive'``: FreeMatch's per-class
            thresholds, :func:`self_adaptive_thresholds`; ``'soft'``: SoftMatch's
            weights, :func:`soft_weights`, from running means of the confidence and its
            variance; ``threshold`` unused), ``distribution_alignment``
            (:func:`align_distribution` of the teacher's probabilities before
            pseudo-labelling: ``True`` towards uniform classes, ``'labelled'`` towards
            the class shares of the labelled images seen so far, ReMixMatch's target,
            for classes far from even) and ``ema_decay`` (the share
            kept at each step of the running class statistics both use, 0.999). The
            statistics are buffers of the model: saved with it, resumed exactly.
        predict_with (str): ``'teacher'`` (default) or ``'student'`` at test time.
        data_preprocessor (dict, optional): a ``SelfSupDataPreprocessor`` (handles the
            two views) where ``type`` is not given (:func:`build_preprocessor`); ImageNet
            mean/std, BGR to RGB where ``None``.

    Besides ``loss_sup`` and ``loss_unsup``, :meth:`loss` returns values that mmengine
    logs without adding them to the loss: ``unsup_scale`` (the ramp-up factor),
    ``pseudo_confident`` (share of unlabelled images given a pseudo-label) and, where
    the unlabelled images secretly have labels (monitoring only), ``pseudo_acc``
    (accuracy of the teacher's predictions) and ``pseudo_wrong`` (share given a
    confident but wrong pseudo-label: the label noise the student learns). They stay
    on the device; nothing in a training step waits for the GPU.
    """

    # the tools refuse a config that trains this model without these hooks
    required_hooks = ('MeanTeacherHook', )

    def __init__(self,
                 classifier,
                 semi_train_cfg=None,
                 predict_with='teacher',
                 data_preprocessor=None,
                 init_cfg=None,
                 **unknown_options):
        moved = sorted(set(unknown_options) & set(SEMI_TRAIN_DEFAULTS))
        if moved:  # the model's own options of earlier versions
            raise ZooError(f'SemiSupervisedClassifier: move {", ".join(moved)} into '
                           f'semi_train_cfg, e.g. semi_train_cfg=dict({moved[0]}=...)')
        if unknown_options:
            raise ZooError(f'SemiSupervisedClassifier: unknown options '
                           f'{sorted(unknown_options)}')
        if 'ema_momentum' in (semi_train_cfg or {}):
            raise ZooError('semi_train_cfg: ema_momentum is now ema_decay (the same number: '
                           'the share of the running statistics kept each step)')
        self.semi_train_cfg = semi_settings(
            semi_train_cfg,
            SEMI_TRAIN_DEFAULTS,
            predict_with,
            choices=dict(threshold_mode=THRESHOLD_MODES, distribution_alignment=ALIGNMENTS))
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            # num_classes is for one-hot batch augments of one view, which two views lack
            data_preprocessor = build_preprocessor(
                data_preprocessor, 'SelfSupDataPreprocessor', unused_keys=('num_classes', ))
            student = MODELS.build(classifier)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = student
        self.teacher = copy.deepcopy(self.student).requires_grad_(False)
        self.predict_with = predict_with
        classes = student.head.num_classes
        # running statistics of the teacher on unlabelled images (FreeMatch's start values)
        self.register_buffer('class_means', torch.full((classes, ), 1.0 / classes))
        self.register_buffer('global_confidence', torch.tensor(1.0 / classes))
        if self.semi_train_cfg['distribution_alignment'] == 'labelled':
            # the labelled images' class counts, the alignment's target (only in this mode,
            # as SoftMatch's statistics below)
            self.register_buffer('labelled_counts', torch.zeros(classes))
        if self.semi_train_cfg['threshold_mode'] == 'soft':
            # SoftMatch's running mean and variance of the (aligned) confidence; only in
            # this mode, so that the checkpoints of the others keep their tensors
            self.register_buffer('soft_mean', torch.tensor(1.0 / classes))
            self.register_buffer('soft_var', torch.tensor(1.0))
        # confident pseudo-labels given so far, a count a class (PseudoLabelHook reads it);
        # not saved with the weights
        self.register_buffer(
            'pseudo_counts', torch.zeros(classes, dtype=torch.long), persistent=False)

    def train(self, mode=True):
        """The teacher always predicts in eval mode (its BN uses averaged statistics)."""
        super().train(mode)
        self.teacher.eval()
        return self

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

    def unsup_scale(self):
        """The unsupervised weight's ramp-up factor at the current iteration."""
        cfg = self.semi_train_cfg
        step = MessageHub.get_current_instance().get_info('iter', 0)
        return rampup(step, cfg['rampup_iters'], cfg['rampup_shape'])

    def loss(self, inputs, data_samples):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ZooError('SemiSupervisedClassifier needs two views of each training image;'
                           " end the training pipeline with MultiView(num_views=[1, 1], ...)")
        weak, strong = inputs
        labelled = [i for i, s in enumerate(data_samples) if 'gt_label' in s]
        unlabelled = [i for i, s in enumerate(data_samples) if 'gt_label' not in s]
        views = [_rows(weak, labelled)] if labelled else []
        views += [_rows(strong, unlabelled)] if unlabelled else []
        logits = self._logits(self.student, torch.cat(views))
        losses = {}
        if labelled:
            labels = torch.cat([data_samples[i].gt_label for i in labelled])
            if self.semi_train_cfg['distribution_alignment'] == 'labelled':
                self.labelled_counts += torch.bincount(
                    labels.to(self.labelled_counts.device),
                    minlength=len(self.labelled_counts)).float()
            losses['loss_sup'] = self.student.head.loss_module(
                logits[:len(labelled)],
                labels.to(weak.device, non_blocking=True),
                avg_factor=len(labelled))
        if unlabelled:
            with torch.no_grad():
                probs = self._logits(self.teacher, _rows(weak, unlabelled)).softmax(dim=1)
                probs, threshold = self._pseudo_label_rule(probs)
            labels, mask = pseudo_labels(probs, threshold)
            kept = mask.float()
            if self.semi_train_cfg['threshold_mode'] == 'soft':
                kept = soft_weights(probs.max(dim=1)[0], self.soft_mean, self.soft_var)
            self.pseudo_counts += torch.bincount(labels[mask], minlength=len(self.pseudo_counts))
            per_image = F.cross_entropy(logits[len(labelled):], labels, reduction='none')
            scale = self.unsup_scale()
            weight = self.semi_train_cfg['unsup_weight'] * scale
            losses['loss_unsup'] = weight * (per_image * kept).mean()
            losses['unsup_scale'] = torch.tensor(scale)
            hidden = [data_samples[i].metainfo.get('hidden_label', -1) for i in unlabelled]
            losses.update(pseudo_label_stats(labels, mask, hidden))
        return losses

    def _pseudo_label_rule(self, probs):
        """The teacher's probabilities as pseudo-labelling sees them (aligned or not) and
        the threshold(s) (``'soft'``: the running mean confidence, above which a
        pseudo-label has its full weight); updates the running class statistics."""
        cfg = self.semi_train_cfg
        if cfg['threshold_mode'] == 'fixed' and not cfg['distribution_alignment']:
            return probs, cfg['threshold']
        m = cfg['ema_decay']
        self.class_means.mul_(m).add_(probs.float().mean(dim=0), alpha=1 - m)
        self.global_confidence.mul_(m).add_(probs.float().max(dim=1)[0].mean(), alpha=1 - m)
        if cfg['distribution_alignment'] == 'labelled':
            counts = self.labelled_counts + 1  # no labelled image yet: uniform
            probs = align_distribution(probs, self.class_means, counts / counts.sum())
        elif cfg['distribution_alignment']:
            probs = align_distribution(probs, self.class_means)
        if cfg['threshold_mode'] == 'self-adaptive':
            return probs, self_adaptive_thresholds(self.global_confidence, self.class_means)
        if cfg['threshold_mode'] == 'soft':
            confidence = probs.float().max(dim=1)[0]
            self.soft_mean.mul_(m).add_(confidence.mean(), alpha=1 - m)
            if len(confidence) > 1:
                self.soft_var.mul_(m).add_(confidence.var(), alpha=1 - m)
            return probs, self.soft_mean.expand(probs.shape[1])  # one a class, all equal
        return probs, cfg['threshold']


def pseudo_label_stats(labels, mask, hidden):
    """``pseudo_confident`` and, for the images whose ``hidden`` label (a list, -1 where
    unknown) is known, ``pseudo_acc`` and ``pseudo_wrong``: tensors on the device."""
    stats = dict(pseudo_confident=mask.float().mean())
    known = [j for j, h in enumerate(hidden) if h >= 0]
    if known:
        truth = torch.tensor([hidden[j] for j in known]).to(labels.device, non_blocking=True)
        right = _rows(labels, known) == truth
        stats['pseudo_acc'] = right.float().mean()
        stats['pseudo_wrong'] = (_rows(mask, known) & ~right).float().mean()
    return stats


@MODELS.register_module()
class CourseEmbeddingNet(BaseModule):
    """3x3 stride-2 convs (32, 64, 128; ReLU; no padding, as the course's Keras layers),
    global average pooling, a linear embedding, L2-normalised."""

    def __init__(self, in_channels=3, channels=(32, 64, 128), embed_dim=8, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers = []
        for out_channels in channels:
            layers += [nn.Conv2d(in_channels, out_channels, 3, stride=2), nn.ReLU(inplace=True)]
            in_channels = out_channels
        self.convs = nn.Sequential(*layers)
        self.embed = nn.Linear(in_channels, embed_dim)

    def forward(self, x):
        x = self.convs(x).mean(dim=(2, 3))
        return F.normalize(self.embed(x), dim=1)


@MODELS.register_module()
class NPairsLoss(nn.Module):
    """Softmax cross-entropy over the anchor x positive similarity matrix divided by
    ``temperature``: anchor ``i`` must be most similar to positive ``i``."""

    def __init__(self, temperature=0.3):
        super().__init__()
        self.temperature = temperature

    def forward(self, anchors, positives):
        similarity = anchors @ positives.t() / self.temperature
        return F.cross_entropy(similarity, torch.arange(len(anchors), device=anchors.device))


@MODELS.register_module()
class NPairsEmbedder(BaseModel):
    """An embedding network trained on N-pairs batches (``NPairsSampler``); predictions
    are the embeddings (``sample.embedding``), classified by ``KNNAccuracy``.

    Args:
        backbone (dict): maps images to L2-normalised embeddings.
        loss (dict): default ``NPairsLoss`` with temperature 0.3.
    """

    def __init__(self,
                 backbone,
                 loss=dict(type='NPairsLoss', temperature=0.3),
                 data_preprocessor=None,
                 init_cfg=None):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            data_preprocessor = build_preprocessor(data_preprocessor, 'ClsDataPreprocessor')
            backbone, loss = MODELS.build(backbone), MODELS.build(loss)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone, self.loss_module = backbone, loss
        self._pairs_checked = False

    def _check_pairs(self, data_samples):
        labels = torch.cat([s.gt_label for s in data_samples])
        if len(labels) % 2 or not torch.equal(labels[0::2], labels[1::2]):
            raise ZooError('NPairsEmbedder trains on anchor/positive pairs of one class; '
                           "use sampler=dict(type='NPairsSampler') in train_dataloader")
        self._pairs_checked = True

    def forward(self, inputs, data_samples=None, mode='tensor'):
        embeddings = self.backbone(inputs)
        if mode == 'tensor':
            return embeddings
        if mode == 'predict':
            for sample, embedding in zip(data_samples, embeddings):
                sample.set_field(embedding.detach(), 'embedding')
            return data_samples
        if mode == 'loss':
            if not self._pairs_checked:  # the sampler is fixed: one look (a host sync) is enough
                self._check_pairs(data_samples)
            return dict(loss=self.loss_module(embeddings[0::2], embeddings[1::2]))
        raise RuntimeError(f'invalid mode {mode!r}')
