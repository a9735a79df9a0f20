"""The course's U-Net (an encoder of conv banks with max pooling, and a decoder head of
transposed convolutions with concatenated skips that works over any encoder) and the Dice
loss of its binary (1-channel, sigmoid) heads, and the semi-supervised segmentor that learns
from unlabelled pixels."""
import contextlib
import copy

import torch
from mmcv.cnn import ConvModule
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from torch import nn

from ..balance import balanced_weights
from ..errors import ZooError
from ..semi import pseudo_labels, rampup, self_adaptive_thresholds, semi_settings


def conv_bank(in_channels, out_channels, norm_cfg, act_cfg, num_convs=2):
    """``num_convs`` x (3x3 conv + norm + activation)."""
    return nn.Sequential(*[
        ConvModule(
            in_channels if i == 0 else out_channels,
            out_channels,
            3,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg) for i in range(num_convs)
    ])


@MODELS.register_module()
class CourseUNetEncoder(BaseModule):
    """``depth`` banks of 3x3 convs, each doubling the filters and followed by 2x2 max
    pooling, then a bottleneck bank: the course used 6 banks.

    Returns ``depth + 1`` feature maps, full resolution first, the bottleneck last
    (``base * 2**i`` channels at ``1 / 2**i`` of the input). Inputs must be divisible by
    ``2**depth`` (pad them with the data preprocessor's ``size_divisor``).
    """

    def __init__(self,
                 in_channels=3,
                 base_channels=16,
                 depth=6,
                 num_convs=2,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        self.depth = depth
        self.out_channels = [base_channels * 2**i for i in range(depth + 1)]
        self.banks = nn.ModuleList()
        for channels in self.out_channels:
            self.banks.append(conv_bank(in_channels, channels, norm_cfg, act_cfg, num_convs))
            in_channels = channels
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        divisor = 2**self.depth
        if x.shape[-2] % divisor or x.shape[-1] % divisor:
            raise ZooError(
                f'CourseUNetEncoder(depth={self.depth}) needs image sides divisible by '
                f'{divisor}, got {x.shape[-2]}x{x.shape[-1]}; set the data preprocessor\'s '
                f'size_divisor={divisor} (pads) or crop/resize to a multiple of {divisor}')
        features = []
        for i, bank in enumerate(self.banks):
            x = bank(x if i == 0 else self.pool(x))
            features.append(x)
        return tuple(features)


@MODELS.register_module()
class UNetTransposeHead(BaseDecodeHead):
    """U-Net decoder over any encoder's multi-level features.

    From the deepest level up: a 2x2 stride-2 transposed convolution to the next level's
    width, concatenation with that level's features (the skip), a bank of 3x3 convs; then
    the 1x1 conv to ``out_channels`` (1 with a sigmoid and ``threshold`` for binary masks,
    ``num_classes`` for softmax). Give ``in_channels`` and ``in_index`` as lists, shallow
    to deep; the output is at the shallowest level's resolution (mmseg resizes logits to
    the image when predicting).
    """

    def __init__(self, in_channels, num_convs=2, **kwargs):
        if not isinstance(in_channels, (list, tuple)) or len(in_channels) < 2:
            raise ValueError('UNetTransposeHead needs in_channels for 2 or more levels, '
                             f'got {in_channels!r}')
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        super().__init__(
            in_channels, channels=in_channels[0], input_transform='multiple_select', **kwargs)
        self.ups = nn.ModuleList()
        self.banks = nn.ModuleList()
        for level in range(len(in_channels) - 1, 0, -1):  # deepest first
            deep, shallow = in_channels[level], in_channels[level - 1]
            self.ups.append(nn.ConvTranspose2d(deep, shallow, 2, stride=2))
            self.banks.append(
                conv_bank(2 * shallow, shallow, self.norm_cfg, self.act_cfg, num_convs))

    def forward(self, inputs):
        features = self._transform_inputs(inputs)
        x = features[-1]
        for up, bank, skip in zip(self.ups, self.banks, features[-2::-1]):
            x = up(x)
            if x.shape[-2:] != skip.shape[-2:]:  # encoders with odd sizes: match the skip
                x = nn.functional.interpolate(
                    x, size=skip.shape[-2:], mode='bilinear', align_corners=False)
            x = bank(torch.cat([skip, x], dim=1))
        return self.cls_seg(x)


def binary_dice_loss(logits, target, ignore_index=255, eps=1e-3, batch=False):
    """V-Net Dice loss per image, averaged:
    ``1 - (2 sum(p t) + eps) / (sum(p^2) + sum(t^2) + eps)``; ``batch``: one Dice over
    every pixel of the batch, as if the images were one.

    ``logits`` (N, 1, H, W); ``target`` (N, H, W) of 0/1, pixels equal to ``ignore_index``
    (e.g. padding) left out.
    """
    prob = logits[:, 0].sigmoid()
    valid = (target != ignore_index).float()
    truth = (target == 1).float() * valid
    prob = prob * valid
    if batch:
        prob, truth = prob[None], truth[None]
    numerator = 2 * (prob * truth).flatten(1).sum(1) + eps
    denominator = (prob.pow(2) + truth.pow(2)).flatten(1).sum(1) + eps
    return (1 - numerator / denominator).mean()


@MODELS.register_module()
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` whose ``class_weight`` works beside ignored pixels
    (nodata, and the unlabelled pixels of sparse labels, 255).

    mmseg 1.2.2 averages a class-weighted loss by looking every label up in
    ``class_weight``, the ignored ones too, which raises ``IndexError: index 255 is out of
    bounds`` (https://github.com/open-mmlab/mmsegmentation/issues/3734, open). This
    computes that average itself, over the pixels not ignored (and, without
    ``avg_non_ignore``, counting each ignored pixel once, as the unweighted loss does),
    and hands it to the upstream loss as its ``avg_factor``. The same options as
    ``CrossEntropyLoss``; without ``class_weight`` it is that loss unchanged.

    ``class_weight='balanced'``: the loss weights each class by its rarity among the
    labelled pixels it has trained on so far (``n / (k * count_c)``, as
    ``BalancedCrossEntropyLoss`` weights a classifier's classes), counted from every
    training batch: a class-balanced loss for any segmentation config, with no weights
    to work out by hand."""

    def __init__(self, class_weight=None, **kwargs):
        self.balanced = class_weight == 'balanced'
        if self.balanced and kwargs.get('use_sigmoid'):
            raise ZooError("WeightedCrossEntropyLoss(class_weight='balanced') weighs the classes "
                           'of a softmax head (out_channels = the number of classes); a 1-channel '
                           'sigmoid head: add BinaryDiceLoss to loss_decode instead')
        super().__init__(class_weight=None if self.balanced else class_weight, **kwargs)
        self.pixel_counts = None  # labelled pixels a class, seen in training ('balanced')

    def balance(self, cls_score, label, ignore_index):
        """Count the labelled pixels of a training batch; the weights they give so far."""
        kept = label[label != ignore_index]
        counts = torch.bincount(kept.flatten(), minlength=cls_score.shape[1]).cpu()
        self.pixel_counts = counts if self.pixel_counts is None else self.pixel_counts + counts
        self.class_weight = balanced_weights(self.pixel_counts.numpy(), strict=False)

    def forward(self,
                cls_score,
                label,
                weight=None,
                avg_factor=None,
                reduction_override=None,
                ignore_index=-100,
                **kwargs):
        reduction = reduction_override or self.reduction
        if self.balanced and self.training:
            self.balance(cls_score, label, ignore_index)
        if (self.class_weight is not None and avg_factor is None and reduction == 'mean'
                and not (self.use_sigmoid or self.use_mask)):
            kept = label != ignore_index
            class_weight = cls_score.new_tensor(self.class_weight)
            avg_factor = class_weight[label[kept]].sum()
            if not self.avg_non_ignore:
                avg_factor = avg_factor + (~kept).sum()
        return super().forward(
            cls_score,
            label,
            weight=weight,
            avg_factor=avg_factor,
            reduction_override=reduction_override,
            ignore_index=ignore_index,
            **kwargs)


@MODELS.register_module()
class BinaryDiceLoss(nn.Module):
    """Dice loss for ``out_channels=1`` heads, the foreground being label 1.

    mmseg 1.2.2's ``DiceLoss`` one-hot encodes a 1-channel target as "label == 0", so with
    ``out_channels=1`` it trains the *background* as foreground and the thresholded
    predictions come out inverted (``_expand_onehot_labels_dice`` in
    https://github.com/open-mmlab/mmsegmentation/blob/v1.2.2/mmseg/models/losses/dice_loss.py).

    ``batch=True``: one Dice over the whole batch ("batch Dice", as nnU-Net computes it)
    instead of the mean of each image's. A window of a large raster often holds no
    foreground at all, where each image's Dice is 1 until the prediction is exactly 0: the
    per-image mean then swings from batch to batch, the batch's Dice does not.
    """

    def __init__(self, loss_weight=1.0, eps=1e-3, batch=False, loss_name='loss_dice'):
        super().__init__()
        self.loss_weight, self.eps, self._loss_name = loss_weight, eps, loss_name
        self.batch = batch

    def forward(self, pred, target, weight=None, ignore_index=255, **kwargs):
        if pred.shape[1] != 1:
            raise ValueError(f'BinaryDiceLoss needs a 1-channel prediction, got {pred.shape[1]}; '
                             'use CrossEntropyLoss (or mmseg DiceLoss) for several classes')
        return self.loss_weight * binary_dice_loss(pred, target, ignore_index, self.eps, self.batch)

    @property
    def loss_name(self):
        return self._loss_name


SEG_SEMI_DEFAULTS = dict(
    threshold=0.95,
    threshold_mode='fixed',
    ema_decay=0.999,
    unsup_weight=1.0,
    rampup_iters=200,
    rampup_shape='sigmoid',
    cutmix=0.5,
    photometric=0.8,
    feature_dropout=0.5)


def photometric(x, prob, generator=None):
    """The strong view's colour changes on normalised inputs (N x C x H x W, any number of
    bands), each image with probability ``prob``: a random contrast (x0.6-1.4) and
    brightness (+-0.4 of a band's std) a band, and Gaussian noise (0.1 std)."""
    n, c = x.shape[:2]
    chosen = (torch.rand(n, 1, 1, 1, device=x.device, generator=generator) < prob).float()
    gain = 0.6 + 0.8 * torch.rand(n, c, 1, 1, device=x.device, generator=generator)
    shift = 0.8 * torch.rand(n, c, 1, 1, device=x.device, generator=generator) - 0.4
    noise = 0.1 * torch.randn(x.shape, device=x.device, generator=generator)
    return x + chosen * (x * (gain - 1) + shift + noise)


def cutmix_boxes(n, height, width, prob, generator=None):
    """A box a batch image (``x0, y0, x1, y1``; empty with probability ``1 - prob``) of
    a quarter of its area at a random place, as UniMatch pastes from another image."""
    boxes = []
    for _ in range(n):
        if torch.rand(1, generator=generator).item() >= prob:
            boxes.append((0, 0, 0, 0))
            continue
        h, w = height // 2, width // 2
        y0 = int(torch.randint(0, height - h + 1, (1, ), generator=generator))
        x0 = int(torch.randint(0, width - w + 1, (1, ), generator=generator))
        boxes.append((x0, y0, x0 + w, y0 + h))
    return boxes


def paste(target, source, boxes):
    """``target`` with each image's box taken from ``source`` (its batch neighbour)."""
    out = target.clone()
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        out[i, ..., y0:y1, x0:x1] = source[i, ..., y0:y1, x0:x1]
    return out


@contextlib.contextmanager
def running_stats_kept(model):
    """Inside, ``model``'s batch norms normalise with each batch's statistics, as in
    training, but leave their running statistics (what the model predicts with) as they
    are: for the perturbed views, whose colours, pasted boxes and dropped channels are not
    what the model will see."""
    norms = [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.momentum = 0.0  # running = (1 - 0) * running + 0 * batch
    try:
        yield
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum


@MODELS.register_module()
class SemiSupervisedSegmentor(BaseModel):
    """A student U-Net (any segmentor config) and its mean teacher (kept by
    ``MeanTeacherHook``), learning from the labelled pixels and from the teacher's
    confident pseudo-labels on the unlabelled ones: FixMatch's weak-to-strong consistency
    per pixel, as UniMatch (Yang et al., CVPR 2023) does it for segmentation.

    Every training window may hold both. Its labelled pixels (mask values other than 255)
    learn their labels on the window as the pipeline gives it; its unlabelled pixels
    (255: outside the polygons of sparse labels, or every pixel of an unlabelled window)
    learn the class the teacher gives them on the same window, where the teacher is at
    least ``threshold`` sure, in two perturbed views (half the loss each): the window with
    photometric changes and a box pasted from its batch neighbour (CutMix, the
    pseudo-labels pasted alike), and the window's features with channel dropout
    (UniMatch's feature perturbation).

    Args:
        segmentor (dict): the student's config (e.g. an ``EncoderDecoder`` U-Net); the
            teacher is a copy of it, and predicts and is exported.
        semi_train_cfg (dict): ``threshold`` (0.95; a 1-channel head's confidence is
            ``max(p, 1 - p)``), ``unsup_weight`` (1.0 once ramped up), ``rampup_iters``
            (200) and ``rampup_shape``, ``threshold_mode`` (``'fixed'``: ``threshold``;
            ``'self-adaptive'``: FreeMatch's thresholds, low while the teacher is unsure
            and one a class, from running means of its unlabelled pixels' probabilities
            kept with ``ema_decay``, buffers saved with the model), ``cutmix`` and
            ``photometric`` (the probability of each in the strong view: 0.5, 0.8),
            ``feature_dropout`` (0.5; 0 leaves the feature view out).
        predict_with (str): ``'teacher'`` (default) or ``'student'``.

    The supervised loss counts the windows that hold a labelled pixel (a per-image Dice
    would count the others as perfect), and the perturbed views leave the batch norms'
    running statistics alone. Batch norm still couples the windows of a batch: with
    wholly unlabelled images beside labelled ones, the demo U-Net's running statistics
    drifted from its training ones (a plain U-Net trained on the same batches fell from
    98.8 to 50.4 val mIoU; configs/imseg/README.md), so the demo configs use group norm.

    :meth:`loss` returns ``decode.loss_*`` (the head's own losses on the labelled pixels),
    ``loss_unsup``, and, logged without adding to the loss, ``unsup_scale`` and
    ``pseudo_confident`` (the share of unlabelled pixels given a pseudo-label).
    """

    required_hooks = ('MeanTeacherHook', )

    def __init__(self,
                 segmentor,
                 semi_train_cfg=None,
                 predict_with='teacher',
                 data_preprocessor=None,
                 init_cfg=None):
        self.semi_train_cfg = semi_settings(
            semi_train_cfg,
            SEG_SEMI_DEFAULTS,
            predict_with,
            choices=dict(threshold_mode=('fixed', 'self-adaptive')))
        segmentor = dict(segmentor)
        if data_preprocessor is not None:  # the top-level one mmengine's runner merges in
            segmentor.setdefault('data_preprocessor', data_preprocessor)
        student = MODELS.build(segmentor)
        super().__init__(data_preprocessor=segmentor.get('data_preprocessor'), init_cfg=init_cfg)
        self.student = student
        self.teacher = copy.deepcopy(student).requires_grad_(False)
        self.predict_with = predict_with
        classes = student.decode_head.num_classes
        self.register_buffer('class_means', torch.full((classes, ), 1.0 / classes))
        self.register_buffer('global_confidence', torch.tensor(1.0 / classes))
        self.register_buffer(
            'pseudo_counts', torch.zeros(classes, dtype=torch.long), persistent=False)

    @property
    def decode_head(self):
        """The predicting model's head (what the export reads: threshold, align_corners)."""
        return getattr(self, self.predict_with).decode_head

    def train(self, mode=True):
        """The teacher always predicts in eval mode (its BN uses averaged statistics)."""
        super().train(mode)
        self.teacher.eval()
        return self

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        model = getattr(self, self.predict_with)
        if mode == 'predict':
            return model.predict(inputs, data_samples)
        if mode == 'tensor':
            return model(inputs, mode='tensor')
        raise RuntimeError(f'invalid mode {mode!r}')

    def _logits(self, model, features, size):
        logits = model.decode_head.forward(features)
        if logits.shape[-2:] != size:
            logits = nn.functional.interpolate(
                logits, size, mode='bilinear', align_corners=model.decode_head.align_corners)
        return logits

    def _probs(self, logits):
        """Class probabilities a pixel, N x C x H x W (a 1-channel head: [1 - p, p])."""
        if logits.shape[1] == 1:
            p = logits.sigmoid()
            return torch.cat([1 - p, p], dim=1)
        return logits.softmax(dim=1)

    def _pixel_loss(self, logits, labels):
        if logits.shape[1] == 1:
            return nn.functional.binary_cross_entropy_with_logits(
                logits[:, 0], labels.float(), reduction='none')
        return nn.functional.cross_entropy(logits, labels, reduction='none')

    def _supervised(self, features, data_samples, truth):
        """The head's own losses (``decode.loss_*``) on the labelled pixels; zero, with
        the graph kept, for a batch without any: mmseg 1.2.2's binary cross-entropy fails
        on one (``label[label != ignore_index].max()`` of nothing, in
        https://github.com/open-mmlab/mmsegmentation/blob/v1.2.2/mmseg/models/losses/cross_entropy_loss.py),
        and windows at random over sparse polygons often hold no label."""
        head = self.student.decode_head
        logits = head.forward(features)
        labelled = (truth != 255).flatten(1).any(dim=1).nonzero()[:, 0].tolist()
        if labelled:  # images without a label would count as perfect in a per-image Dice
            losses = head.loss_by_feat(logits[labelled], [data_samples[i] for i in labelled])
        else:
            found = head.loss_decode
            found = found if isinstance(found, nn.ModuleList) else [found]
            losses = {loss.loss_name: logits.sum() * 0 for loss in found}
        return {f'decode.{k}': v for k, v in losses.items()}

    def _threshold(self, probs, unlabelled):
        """The fixed threshold, or FreeMatch's per class, updated from the teacher's
        probabilities on the unlabelled pixels (N x C x H x W, N x H x W)."""
        cfg = self.semi_train_cfg
        if cfg['threshold_mode'] == 'fixed' or not unlabelled.any():
            return cfg['threshold']
        pixels = probs.permute(0, 2, 3, 1)[unlabelled].float()  # P x C
        m = cfg['ema_decay']
        self.class_means.mul_(m).add_(pixels.mean(dim=0), alpha=1 - m)
        self.global_confidence.mul_(m).add_(pixels.max(dim=1)[0].mean(), alpha=1 - m)
        return self_adaptive_thresholds(self.global_confidence, self.class_means)

    def loss(self, inputs, data_samples):
        cfg = self.semi_train_cfg
        size = inputs.shape[-2:]
        features = self.student.extract_feat(inputs)
        truth = torch.stack([s.gt_sem_seg.data[0] for s in data_samples]).to(inputs.device)
        losses = self._supervised(features, data_samples, truth)
        unlabelled = truth == 255
        if truth.shape[-2:] != size:
            unlabelled = nn.functional.interpolate(
                unlabelled[:, None].float(), size, mode='nearest')[:, 0].bool()
        with torch.no_grad():
            teacher_probs = self._probs(
                self._logits(self.teacher, self.teacher.extract_feat(inputs), size))
            labels, sure = pseudo_labels(teacher_probs, self._threshold(teacher_probs, unlabelled))
            mask = (sure & unlabelled).float()
        self.pseudo_counts += torch.bincount(
            labels[mask.bool()], minlength=len(self.pseudo_counts))[:len(self.pseudo_counts)]
        step = MessageHub.get_current_instance().get_info('iter', 0)
        scale = rampup(step, cfg['rampup_iters'], cfg['rampup_shape'])
        pixels = unlabelled.float().sum().clamp_min(1.0)
        # the strong view: colours changed, a box pasted from the batch neighbour
        boxes = cutmix_boxes(len(inputs), size[0], size[1], cfg['cutmix'])
        neighbour = torch.roll(torch.arange(len(inputs)), 1).to(inputs.device)
        strong = paste(photometric(inputs, cfg['photometric']), inputs[neighbour], boxes)
        strong_labels = paste(labels, labels[neighbour], boxes)
        strong_mask = paste(mask, mask[neighbour], boxes)
        with running_stats_kept(self.student):
            strong_logits = self._logits(self.student, self.student.extract_feat(strong), size)
            unsup = (self._pixel_loss(strong_logits, strong_labels) * strong_mask).sum() / pixels
            if cfg['feature_dropout']:
                dropped = [nn.functional.dropout2d(f, cfg['feature_dropout']) for f in features]
                fp_logits = self._logits(self.student, dropped, size)
                fp = (self._pixel_loss(fp_logits, labels) * mask).sum() / pixels
                unsup = (unsup + fp) / 2
        losses['loss_unsup'] = cfg['unsup_weight'] * scale * unsup
        losses['unsup_scale'] = torch.tensor(scale)
        losses['pseudo_confident'] = mask.sum() / pixels
        return losses
