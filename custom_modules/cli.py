"""What ``tools/train.py`` and ``tools/test.py`` share: config loading and clean errors."""
import argparse
import difflib
import importlib
import os
import os.path as osp
import pickle
import re
import sys
from functools import wraps

import torch
from mmengine.config import Config, DictAction

from . import demo_data
from .errors import ZooError


def add_common_args(parser):
    """Arguments every tool takes, in OpenMMLab's spelling."""
    parser.add_argument('--work-dir', help='where logs, checkpoints and results go')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='override config values, e.g. train_cfg.max_epochs=3')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
        help='job launcher (pytorch: torchrun / tools/dist_*.sh)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)
    parser.add_argument(
        '--unsafe-load-checkpoint', action='store_true',
        help='load checkpoints with weights_only=False: a checkpoint is a pickle and can then '
             'RUN ANY CODE it contains. Only for trusted legacy checkpoints')


def load_config(args):
    """Read ``args.config``, apply ``--cfg-options``, ``--work-dir`` and the launcher.

    The working directory goes on ``sys.path`` so that a config's ``custom_imports``
    can name plugins living in the repository, e.g. ``projects.example_project.tiny_convnet``.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if args.unsafe_load_checkpoint:
        print('WARNING: --unsafe-load-checkpoint: checkpoints are unpickled without '
              'restrictions and can run code', file=sys.stderr)
        os.environ['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'
    if not osp.isfile(args.config):
        raise ZooError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.launcher == 'pytorch' and not torch.cuda.is_available():
        from .compat import setup_cpu_distributed
        setup_cpu_distributed(cfg)
    demo_data.ensure_for_config(cfg)
    return cfg


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
    try:
        module = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return None
    registry = next((r for r in vars(module).values() if hasattr(r, 'module_dict')
                     and r.name == name and r.scope == scope), None)
    names = set()
    while registry is not None:
        names.update(registry.module_dict)
        registry = registry.parent
    close = difflib.get_close_matches(wanted, sorted(names), n=5, cutoff=0.5)
    hint = f'did you mean {", ".join(close)}? ' if close else ''
    return (f'unknown {name} type {wanted!r} in scope {scope}: {hint}Check the spelling, or '
            'add the module that registers it to custom_imports')


def clean_errors(main):
    """Run ``main``; a :class:`ZooError` or a refused checkpoint prints ``error: ...`` and
    exits 2, no traceback."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except ZooError as err:
            print(f'error: {err}', file=sys.stderr)
        except pickle.UnpicklingError as err:
            print(f'error: {refused_checkpoint_message(err)}', file=sys.stderr)
        except KeyError as err:
            message = unknown_type_message(err)
            if message is None:
                raise
            print(f'error: {message}', file=sys.stderr)
        sys.exit(2)

    return wrapper
