"""Before training: the evaluation pipelines feed the network what the training pipeline
taught it (size, scale, channels), so that a config cannot train and score silently wrong.

The commonest way a user's config goes wrong without a word: it replaces the training
pipeline of a base config (random 32 px crops) and inherits its validation pipeline
(resize to 64 px); the network then learns at one scale and is scored at another, near
chance. Checked here, once before the first iteration:

- classification (mmpretrain scope): one sample through the training pipeline and one
  through the validation (and, where it differs, the test) pipeline must give network
  inputs of the same height and width;
- detection and segmentation: the validation and test resize scales must lie within the
  range of the training pipeline's resize (its scale jitter included), read from the
  pipelines' ``Resize``, ``RandomResize`` and ``RandomChoiceResize``;
- every family: the same number of channels from each pipeline, and a data
  preprocessor's ``mean`` and ``std`` with one value a channel.

A deliberate difference (FixRes-style testing at a higher resolution, say) is allowed by
``default_hooks.input_check.allow_other_eval_scale=True``.
"""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...errors import ZooError
from ..runner import unwrap

OPTION = 'default_hooks.input_check.allow_other_eval_scale=True'
TOLERANCE = 0.02  # 2 %: rounding of scales


def _pipeline(dataset_cfg):
    """The first ``pipeline`` of a dataset config (inside wrappers: ``dataset``,
    ``datasets``, a semi-supervised ``labelled`` part, ...), or None."""
    if isinstance(dataset_cfg, dict):
        if 'pipeline' in dataset_cfg:
            return dataset_cfg['pipeline']
        children = dataset_cfg.values()
    elif isinstance(dataset_cfg, (list, tuple)):
        children = dataset_cfg
    else:
        return None
    for child in children:
        found = _pipeline(child)
        if found is not None:
            return found
    return None


def _sides(scale):
    """``(short, long)`` of a scale given as an int or a pair."""
    if isinstance(scale, (int, float)):
        return float(scale), float(scale)
    return float(min(scale)), float(max(scale))


def resize_range(pipeline):
    """``((short min, short max), (long min, long max))`` the pipeline resizes to, or None
    when it has no resize we can read."""
    sides = []
    for t in pipeline or []:
        kind = str(t.get('type', '')).split('.')[-1]
        if kind == 'Resize' and t.get('scale') is not None:
            sides.append(_sides(t['scale']))
        elif kind == 'RandomChoiceResize':
            sides += [_sides(s) for s in t.get('scales') or []]
        elif kind == 'RandomResize' and t.get('scale') is not None:
            scale, ratio = t['scale'], t.get('ratio_range')
            if ratio:  # one scale times a ratio
                short, long_ = _sides(scale)
                sides += [(short * r, long_ * r) for r in ratio]
            elif isinstance(scale, (list, tuple)) and isinstance(scale[0], (list, tuple)):
                sides += [_sides(scale[0]), _sides(scale[1])]  # a range between two scales
            else:
                sides.append(_sides(scale))
    if not sides:
        return None
    shorts, longs = [s for s, _ in sides], [long_ for _, long_ in sides]
    return (min(shorts), max(shorts)), (min(longs), max(longs))


def _inside(value, low, high):
    return low * (1 - TOLERANCE) <= value <= high * (1 + TOLERANCE)


def _first_input(dataset):
    """The network input (C, H, W) of a dataset's first sample (the first view of a
    multi-view sample), or None for a dataset that cannot be indexed (a stand-in)."""
    if not hasattr(dataset, '__getitem__') or not len(dataset):
        return None
    sample = dataset[0]
    inputs = sample['inputs'] if isinstance(sample, dict) else sample
    while isinstance(inputs, (list, tuple, dict)):
        inputs = next(iter(inputs.values() if isinstance(inputs, dict) else inputs))
    return inputs


@HOOKS.register_module()
class InputConsistencyHook(Hook):
    """See the module's docstring."""

    priority = 'VERY_HIGH'

    def __init__(self, allow_other_eval_scale=False):
        self.allow_other_eval_scale = allow_other_eval_scale

    def before_train(self, runner):
        train_input = _first_input(runner.train_dataloader.dataset)
        cfg = runner.cfg
        checked = [('val_dataloader', runner.val_loop.dataloader.dataset)] \
            if cfg.get('val_dataloader') and runner.val_loop is not None else []
        test_cfg = cfg.get('test_dataloader')
        if test_cfg and _pipeline(test_cfg) != _pipeline(cfg.get('val_dataloader')):
            checked.append(('test_dataloader', None))
        for loader, dataset in checked:
            self._check_pair(runner, loader, train_input, dataset)
        if train_input is not None:
            self._check_normalisation(runner, train_input)

    def _check_pair(self, runner, loader, train_input, dataset):
        cfg = runner.cfg
        scope = cfg.get('default_scope')
        if scope in ('mmdet', 'mmseg'):
            self._check_scales(cfg, loader)
            if dataset is None:
                return
        if train_input is None:
            return
        if dataset is None:
            from mmengine.registry import DATASETS
            dataset = DATASETS.build(cfg[loader]['dataset'])
        evaluated = _first_input(dataset)
        if evaluated is None:
            return
        if evaluated.shape[0] != train_input.shape[0]:
            raise ZooError(f'train_dataloader gives {train_input.shape[0]}-channel inputs, '
                           f'{loader} {evaluated.shape[0]}-channel ones: read the same bands '
                           'in both pipelines')
        if scope not in ('mmdet', 'mmseg') and not self.allow_other_eval_scale and \
                tuple(evaluated.shape[-2:]) != tuple(train_input.shape[-2:]):
            trained = 'x'.join(map(str, train_input.shape[-2:]))
            scored = 'x'.join(map(str, evaluated.shape[-2:]))
            raise ZooError(f'the network trains on {trained} inputs (train_dataloader.dataset.'
                           f'pipeline) but {loader}.dataset.pipeline gives {scored}: it would be '
                           'scored at a scale it never learned (near chance). Give both '
                           'pipelines the same size (their Resize scale, RandomResizedCrop/'
                           'RandomCrop size), or, if deliberate, set ' + OPTION)

    def _check_scales(self, cfg, loader):
        if self.allow_other_eval_scale:
            return
        trained = resize_range(_pipeline(cfg.train_dataloader))
        scored = resize_range(_pipeline(cfg[loader]))
        if trained is None or scored is None:
            return
        (s_lo, s_hi), (l_lo, l_hi) = trained
        for short, long_ in {(scored[0][0], scored[1][0]), (scored[0][1], scored[1][1])}:
            if not (_inside(short, s_lo, s_hi) and _inside(long_, l_lo, l_hi)):
                raise ZooError(
                    f'{loader}.dataset.pipeline resizes to {long_:g}x{short:g}, outside the '
                    f'scales train_dataloader.dataset.pipeline trains at (long side '
                    f'{l_lo:g}-{l_hi:g}, short side {s_lo:g}-{s_hi:g}): objects would be '
                    'scored at a scale the network never learned. Resize to a scale within '
                    'that range (or widen the training scale jitter), or, if deliberate, '
                    'set ' + OPTION)

    @staticmethod
    def _check_normalisation(runner, train_input):
        model = unwrap(runner.model)
        preprocessor = getattr(model, 'data_preprocessor', None)
        channels = train_input.shape[0]
        first = next(((name, m)
                      for name, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)), None)
        if first is not None and first[1].in_channels != channels:
            raise ZooError(f'the network\'s first layer ({first[0]}) takes '
                           f'{first[1].in_channels} channels but the pipelines give {channels} '
                           '(the bands of LoadRasterWindow, or the colour of the images): set '
                           'the backbone\'s in_channels and a mean/std value a channel, or '
                           f'read {first[1].in_channels} bands')
        for name in ('mean', 'std'):
            value = getattr(preprocessor, name, None)
            if value is not None and getattr(preprocessor, '_enable_normalize', True) and \
                    value.numel() != channels:
                raise ZooError(f'data_preprocessor.{name} has {value.numel()} values but the '
                               f'inputs have {channels} channels: give one value a channel')
