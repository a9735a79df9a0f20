"""What the tools share: loading a config, setting a run up, building its runner, and
clean one-line errors."""
import argparse
import difflib
import importlib
import importlib.util
import inspect
import os
import os.path as osp
import pickle
import re
import sys
import tempfile
from functools import wraps

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS, Registry
from mmengine.runner import Runner

from . import demo_data
from .errors import ZooError

try:  # raised by mmcv's ops where mmcv was installed without them (the default install)
    from mmcv._ext import CompiledOpsMissing
except ImportError:  # mmcv with its compiled ops (ZOO_MMCV_OPS=cpu or cuda): never raised

    class CompiledOpsMissing(Exception):
        pass


def add_common_args(parser):
    """Arguments every tool takes, in OpenMMLab's spelling."""
    parser.add_argument('--work-dir', help='where logs, checkpoints and results go')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override config values, e.g. train_cfg.max_epochs=3')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='job launcher (pytorch: torchrun / tools/dist_*.sh)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        '--unsafe-load-checkpoint',
        action='store_true',
        help='load checkpoints with weights_only=False: a checkpoint is a pickle and can then '
        'RUN ANY CODE it contains. Only for trusted legacy checkpoints')


# --vis NAME: mmengine's visualisation backend, and the package it needs
VIS_BACKENDS = dict(
    tensorboard=('TensorboardVisBackend', 'tensorboard'),
    wandb=('WandbVisBackend', 'wandb'),
    mlflow=('MLflowVisBackend', 'mlflow'))


def add_output_args(parser):
    """What a run shows and where it reports: ``--vis`` trackers and ``--verbose``."""
    parser.add_argument(
        '--vis',
        nargs='+',
        choices=sorted(VIS_BACKENDS),
        default=[],
        help='also send losses, learning rate, metrics and pictures to these trackers '
        '(the local files are always written)')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help="mmengine's full log on the console (it is always in the work dir)")


def apply_output_options(cfg, args):
    """``--vis`` and ``--verbose`` into the config (see :func:`add_output_args`)."""
    apply_vis(cfg, args.vis)
    cfg.verbose = args.verbose


def apply_vis(cfg, names):
    """Add the ``--vis`` trackers to the config's visualizer, each only if its package is
    installed (else one line naming it)."""
    for name in names:
        backend, package = VIS_BACKENDS[name]
        if importlib.util.find_spec(package) is None:
            raise ZooError(f'--vis {name} needs the {package} package, which is not installed: '
                           f'pip install {package}')
        backends = cfg.visualizer.setdefault('vis_backends', [])
        if not any(b.get('type') == backend for b in backends):
            backends.append(dict(type=backend))


def load_config(args):
    """Read ``args.config`` and apply ``--cfg-options``, ``--work-dir`` and ``--launcher``
    (each where ``args`` has it). Nothing else: :func:`prepare_run` sets a run up.

    The working directory goes on ``sys.path`` first: loading a config imports its
    ``custom_imports``, which may name plugins living in the repository, e.g.
    ``projects.example_project.tiny_convnet``.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if not osp.isfile(args.config):
        raise ZooError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    options = getattr(args, 'cfg_options', None) or {}
    check_option_keys(cfg.to_dict(), options)
    cfg.merge_from_dict(options)
    check_option_values(cfg.to_dict(), options)
    cfg.launcher = getattr(args, 'launcher', 'none')
    if getattr(args, 'work_dir', None):
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def prepare_run(cfg, args, loaders=()):
    """Set up a training or test run of ``cfg`` before its runner is built:

    - ``--unsafe-load-checkpoint``: checkpoints load without torch's ``weights_only``
      check in this process (said loudly);
    - the work dir must be writable, now rather than after hours of training;
    - ``--launcher pytorch`` on a machine without a GPU starts the gloo process group
      (:func:`compat.setup_cpu_distributed`);
    - the config's demo data is generated, once;
    - every ``data_root`` of the dataloaders named in ``loaders`` must exist.
    """
    if getattr(args, 'unsafe_load_checkpoint', False):
        print(
            'WARNING: --unsafe-load-checkpoint: checkpoints are unpickled without '
            'restrictions and can run code',
            file=sys.stderr)
        os.environ['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'
    check_work_dir(cfg.work_dir)
    if cfg.launcher == 'pytorch' and not torch.cuda.is_available():
        from .compat import setup_cpu_distributed
        setup_cpu_distributed(cfg)
    demo_data.ensure_for_config(cfg)
    check_data_roots(cfg, loaders)


def build_runner(cfg):
    """The config's runner: ``runner_type`` (``ZooRunner`` in our runtime bases), else
    mmengine's ``Runner``, as OpenMMLab's ``tools/train.py`` does."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def _scope_registries(scope):
    """The registries ``<scope>.registry`` defines, or None when it cannot be imported."""
    try:
        module = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return None
    return [r for r in vars(module).values() if isinstance(r, Registry)]


def _with_parents(registry):
    """``registry`` and its parents, nearest first."""
    while registry is not None:
        yield registry
        registry = registry.parent


def _registered(name, scope):
    """The class (or function) registered as ``name`` (``scope.Name`` allowed) in the
    registries of ``scope`` and their parents, then mmengine's; None if none has it."""
    if '.' in name:
        scope, name = name.split('.', 1)
    for package in dict.fromkeys((scope or 'mmengine', 'mmengine')):
        for top in _scope_registries(package) or []:
            for registry in _with_parents(top):
                if name in registry.module_dict:
                    return registry.module_dict[name]
    return None


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


def require_checkpoint(path):
    """The local file of a checkpoint path or URL (a URL is fetched into the torch hub
    cache, a published file's hash checked: :func:`weights.resolve_checkpoint`), or a
    one-line error."""
    from .weights import resolve_checkpoint
    return resolve_checkpoint(path)


def check_work_dir(work_dir):
    """Fail now, not after hours of training, if the work dir cannot be written."""
    try:
        os.makedirs(work_dir, exist_ok=True)
        tempfile.TemporaryFile(dir=work_dir).close()
    except OSError as err:
        raise ZooError(f'work dir {work_dir} cannot be written ({err.strerror}); choose '
                       'another with --work-dir') from None


def nested_items(node, prefix=''):
    """``(dotted path, key, value)`` for every entry of nested dicts and lists."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield f'{prefix}{key}', key, value
        if isinstance(value, (dict, list, tuple)):
            yield from nested_items(value, f'{prefix}{key}.')


def check_data_roots(cfg, loaders):
    """Every ``data_root`` of the datasets of ``loaders`` must be a folder."""
    for loader in loaders:
        if not cfg.get(loader):
            continue
        for path, key, value in nested_items(cfg[loader].to_dict(), f'{loader}.'):
            if key == 'data_root' and isinstance(value, str) and not osp.isdir(value):
                raise ZooError(f'data root not found: {value} ({path}); point it at your '
                               f'data with --cfg-options {path}=/path/to/data')


def refused_checkpoint_message(err):
    """What to tell a user whose checkpoint ``torch.load(weights_only=True)`` refused."""
    found = re.search(r'(?:Unsupported global: GLOBAL|unsupported GLOBAL) (\S+)', str(err))
    what = f' ({found.group(1)})' if found else ''
    return ('refused to load a checkpoint: it holds a pickled object that could run code when '
            f'loaded{what}. Load only checkpoints you trust; for a trusted legacy checkpoint, '
            'rerun with --unsafe-load-checkpoint')


def unknown_type_message(err):
    """For mmengine's "X is not in the <scope>::<name> registry": a one-line error listing
    the closest registered names (the scope's registry and its parents), or None."""
    text = str(err.args[0]) if err.args else ''
    found = re.search(r'(\S+) is not in the (\w+)::([\w ]+) registry', text)
    if not found:
        return None
    wanted, scope, name = found.groups()
    registries = _scope_registries(scope)
    if registries is None:
        return None
    top = next((r for r in registries if r.name == name and r.scope == scope), None)
    names = {key for registry in _with_parents(top) for key in registry.module_dict}
    close = difflib.get_close_matches(wanted, sorted(names), n=5, cutoff=0.5)
    hint = f'did you mean {", ".join(close)}? ' if close else ''
    return (f'unknown {name} type {wanted!r} in scope {scope}: {hint}Check the spelling, or '
            'add the module that registers it to custom_imports')


def leave_process_group():
    """Shut this process's distributed group down, if it has one. A rank that exits on an
    error with its gloo group still up can be aborted at exit by the group's threads
    ("terminate called without an active exception", exit -6 instead of 2)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def zoo_error_message(err):
    """A :class:`ZooError`'s message. One raised in a data loader worker reaches the main
    process re-created by torch with the worker's traceback in its message ("Caught
    ZooError in DataLoader worker process 0. Original Traceback ..."; see
    ``torch/_utils.py``, ``ExceptionWrapper.reraise``): its last line is ours."""
    message = str(err)
    if 'Original Traceback' in message:
        message = message.rstrip().splitlines()[-1]
        message = message.split('ZooError: ', 1)[-1]
    return message


def clean_errors(main):
    """Run ``main``; a :class:`ZooError`, a refused checkpoint or an mmcv op this install
    left out (``tools/install/mmcv_ext_standin.py``) prints ``error: ...`` and exits 2, no
    traceback (a distributed rank leaves its process group first)."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except ZooError as err:
            print(f'error: {zoo_error_message(err)}', file=sys.stderr)
        except pickle.UnpicklingError as err:
            print(f'error: {refused_checkpoint_message(err)}', file=sys.stderr)
        except CompiledOpsMissing as err:
            print(f'error: {err}', file=sys.stderr)
        except KeyError as err:
            message = unknown_type_message(err)
            if message is None:
                raise
            print(f'error: {message}', file=sys.stderr)
        leave_process_group()
        sys.exit(2)

    return wrapper
