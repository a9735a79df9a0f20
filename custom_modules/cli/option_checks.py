"""``--cfg-options`` checked before a run: a near-miss key or an unusable value is one
line naming the option, not a run that silently ignores or misreads it."""
import difflib
import inspect

from ..errors import ZooError
from ..nested import nested_items
from .registries import _registered


def type_parameters(type_, scope):
    """The keyword names a config dict of type ``type_`` takes: the parameters of its
    class's ``__init__`` and its bases' (or of the function); empty when unknown."""
    built = type_ if callable(type_) else _registered(str(type_), scope) if type_ else None
    names = set()
    for part in getattr(built, '__mro__', [built] if built else []):
        try:
            names.update(
                inspect.signature(part.__init__ if isinstance(part, type) else part).parameters)
        except (TypeError, ValueError):
            continue
    return names - {'self', 'args', 'kwargs'}


def check_option_keys(cfg, options):
    """Refuse a ``--cfg-options`` key that is a near-miss of an existing one
    (``train_cfg.max_epoch``), or that indexes a list wrongly. New keys without a near-miss
    are allowed: they add a hook, a dataset option, ...; so is a near-miss that the dict's
    ``type`` takes as an argument (``default_hooks.checkpoint.save_last`` beside
    ``save_best``)."""
    scope = cfg.get('default_scope')
    for key in options:
        node, walked = cfg, []
        for part in key.split('.'):
            where = '.'.join(walked) or 'the config'
            if isinstance(node, (list, tuple)):
                if not (part.isdigit() and int(part) < len(node)):
                    raise ZooError(f'--cfg-options {key}: {where} is a list of {len(node)} '
                                   f'items; index it with 0..{len(node) - 1}')
                node = node[int(part)]
            elif isinstance(node, dict):
                if part not in node:
                    takes = type_parameters(node.get('type'), node.get('_scope_', scope))
                    keys = [k for k in node if isinstance(k, str)]
                    close = difflib.get_close_matches(part, keys, n=3, cutoff=0.75)
                    if close and part not in takes:
                        close = difflib.get_close_matches(
                            part, sorted(set(keys) | takes), n=3, cutoff=0.75)
                        raise ZooError(f'--cfg-options {key}: {where} has no key {part!r}; '
                                       f'did you mean {" or ".join(close)}?')
                    break
                node = node[part]
            else:
                raise ZooError(f'--cfg-options {key}: {where} is a value ({node!r}), not a '
                               f'dict with a key {part!r}')
            walked.append(part)


def _whole(minimum):
    return (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
            f'a whole number >= {minimum}')


def _number(low, high=None):
    return (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v and
            (high is None or v < high),
            f'a number >= {low}' + (f' and < {high}' if high is not None else ''))


# What a value must be, by key name wherever the key is in the config.
VALUE_RULES = {
    'max_epochs': _whole(1),
    'max_iters': _whole(1),
    'val_interval': _whole(1),
    'batch_size': _whole(1),
    'num_workers': _whole(0),
    'num_classes': _whole(1),
    'lr': _number(0),
    'weight_decay': _number(0),
    'momentum': _number(0, 1),
    'on_bad': (lambda v: v in ('error', 'skip'), "'error' or 'skip'"),
}


def check_option_values(cfg, options=()):
    """Refuse a value of a known key (``VALUE_RULES``) that the run could not use, naming
    the option and what it accepts: ``train_cfg.max_epochs=abc``, a negative learning
    rate, a batch size of 0, an ``on_bad`` that does not exist."""
    for path, key, value in nested_items(cfg):
        rule = VALUE_RULES.get(key)
        if rule and not rule[0](value):
            given = '--cfg-options ' if path in options else ''
            raise ZooError(f'{given}{path}={value!r}: {key} must be {rule[1]}')
