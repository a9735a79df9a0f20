"""Does a checkpoint belong to the model a config builds? (checked before weights are
loaded).

mmengine loads checkpoints with ``strict=False``: the weights of another model load "with
warnings" and testing or inference then runs on random weights and exits 0; resuming
with another ``num_classes`` fails only at the first optimizer step. Here a checkpoint
is compared with the model tensor by tensor (name and shape) first:

- ``purpose='exact'`` (testing, inference, resuming): every tensor must be there with its
  shape; up to ``TOLERANCE`` of the model's tensors may be missing or extra (one line of
  warning), never a tensor of another shape;
- ``purpose='fine-tune'`` (``load_from`` when training): tensors of another shape or
  name are left at their initial values (a new head for new classes, as mmengine
  does), but at least ``MIN_FINE_TUNE_SHARE`` of the model's tensors must load.
"""
import logging
import os
import re

from mmengine.logging import print_log

from ..errors import ZooError
from .reading import read_checkpoint

TOLERANCE = 0.01
MIN_FINE_TUNE_SHARE = 0.5


def checkpoint_model_type(meta):
    """The model type of the config saved in a checkpoint's ``meta`` (mmengine writes the
    config's text as ``meta['cfg']``), or ``'unknown'``."""
    text = (meta or {}).get('cfg') or ''
    block = re.search(r"^model = dict\(\n((?:    .*\n)+)", text, flags=re.M)
    found = block and re.search(r"^    type='([^']+)'", block.group(1), flags=re.M)
    return found.group(1) if found else 'unknown'


def compare_state(checkpoint_state, model_state):
    """``(missing, unexpected, reshaped)``: model tensors the checkpoint lacks, checkpoint
    tensors the model lacks, and ``(name, checkpoint shape, model shape)`` of the others."""
    missing = [k for k in model_state if k not in checkpoint_state]
    unexpected = [k for k in checkpoint_state if k not in model_state]
    reshaped = [(k, tuple(checkpoint_state[k].shape), tuple(v.shape))
                for k, v in model_state.items()
                if k in checkpoint_state and tuple(checkpoint_state[k].shape) != tuple(v.shape)]
    return missing, unexpected, reshaped


def _examples(missing, unexpected, reshaped, n=3):
    parts = [
        f'{k}: {list(c)} in the checkpoint, {list(m)} in the model' for k, c, m in reshaped[:n]
    ]
    parts += [f'{k} missing' for k in missing[:n]]
    parts += [f'{k} not in the model' for k in unexpected[:n]]
    return '; '.join(parts)


def check_checkpoint_fits(checkpoint, model, purpose='exact', path=None):
    """Raise :class:`ZooError` when ``checkpoint`` (a path, read safely, or what
    :func:`read_checkpoint` returned; ``path`` names it in messages) does not fit ``model``
    (not wrapped in DDP; see the module's docstring for ``purpose``); warn about small
    differences. Returns the checkpoint, read, to load without reading it again."""
    if isinstance(checkpoint, (str, os.PathLike)):
        path, checkpoint = checkpoint, read_checkpoint(str(checkpoint))
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items() if hasattr(v, 'shape')}
    model_state = model.state_dict()
    missing, unexpected, reshaped = compare_state(state, model_state)
    if not (missing or unexpected or reshaped):
        return checkpoint
    types = (f'the checkpoint\'s model is {checkpoint_model_type(checkpoint.get("meta"))}, '
             f'the config\'s {type(model).__name__}')
    total = max(len(model_state), 1)
    if purpose == 'fine-tune':
        loaded = total - len(missing) - len(reshaped)
        if loaded < MIN_FINE_TUNE_SHARE * total:
            raise ZooError(f'load_from {path}: only {loaded} of the model\'s {total} tensors are '
                           f'in the checkpoint with the same shape ({types}); is it a '
                           f'checkpoint of this kind of model? ' +
                           _examples(missing, unexpected, reshaped))
        print_log(
            f'load_from {path}: {len(missing) + len(reshaped)} tensors of the model keep '
            'their initial values (fine-tuning): ' + _examples(missing, unexpected, reshaped),
            logger='current',
            level=logging.WARNING)
        return checkpoint
    if reshaped or max(len(missing), len(unexpected)) > TOLERANCE * total:
        raise ZooError(f'checkpoint {path} does not fit this model ({types}): '
                       f'{len(reshaped)} tensors differ in shape, {len(missing)} are missing '
                       f'and {len(unexpected)} extra; ' + _examples(missing, unexpected, reshaped) +
                       '. Use a checkpoint trained with this config')
    print_log(
        f'checkpoint {path}: {len(missing)} tensors missing, {len(unexpected)} extra, within '
        'the tolerance: ' + _examples(missing, unexpected, reshaped),
        logger='current',
        level=logging.WARNING)
    return checkpoint
