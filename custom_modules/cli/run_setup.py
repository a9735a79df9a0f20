"""A tool's run, before its runner is built: the config with the command line's options,
the work dir, the data, the checkpoint; then the runner."""
import os
import os.path as osp
import sys
import tempfile

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .. import compat, demo_data, run  # noqa: F401 (run: registration of ZooRunner and its parts)
from ..checkpoints import resolve_checkpoint
from ..errors import ZooError
from ..nested import nested_items
from .option_checks import check_option_keys, check_option_values


def load_config(args):
    """Read ``args.config`` and apply ``--cfg-options``, ``--work-dir`` and ``--launcher``
    (each where ``args`` has it). Nothing else: :func:`prepare_run` sets a run up.

    The working directory goes on ``sys.path`` first: loading a config imports its
    ``custom_imports``, which may name plugins living in the repository, e.g.
    ``projects.example_project.tiny_convnet``. The upstream workarounds
    (:func:`compat.apply`) come first, before those imports reach a toolbox.
    """
    compat.apply()
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if not osp.isfile(args.config):
        raise ZooError(f'config file not found: {args.config}')
    try:
        cfg = Config.fromfile(args.config)
    except ImportError as err:  # mmengine re-raises a custom_imports failure as ImportError
        missing = _missing_module(err)
        if missing not in MOVED_MODULES:
            raise
        raise ZooError(f'{args.config}: custom_imports names {missing}, which moved to '
                       f'{MOVED_MODULES[missing]}: import that instead') from None
    options = getattr(args, 'cfg_options', None) or {}
    check_option_keys(cfg.to_dict(), options)
    cfg.merge_from_dict(options)
    check_option_values(cfg.to_dict(), options)
    class_names_as_strings(cfg)
    cfg.launcher = getattr(args, 'launcher', 'none')
    if getattr(args, 'work_dir', None):
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


# modules of earlier versions a config's custom_imports may name, and where they went
MOVED_MODULES = {
    'custom_modules.geo.transforms': 'custom_modules.datasets.raster_transforms',
    'custom_modules.geo.datasets': 'custom_modules.datasets.rasters',
    'custom_modules.deploy.export': 'custom_modules.export.onnx_export',
    'custom_modules.deploy.parity': 'custom_modules.export.parity',
    'custom_modules.deploy.runtime': 'custom_modules.deploy',
    'custom_modules.run.checkpoints': 'custom_modules.checkpoints',
    'custom_modules.run.pretrained': 'custom_modules.checkpoints.pretrained',
    'custom_modules.zoo.weights': 'custom_modules.checkpoints.urls',
}


def _missing_module(err):
    """The name of the module whose absence caused ``err`` (an ImportError), or None."""
    while err is not None:
        if isinstance(err, ModuleNotFoundError) and err.name:
            return err.name
        err = err.__cause__ or err.__context__
    return None


def class_names_as_strings(cfg):
    """Every ``classes`` list of the config holds strings: class names are names.

    mmengine's ``--cfg-options`` parser strips the quotes of ``"classes=['0','1']"`` and
    reads the items as numbers (``DictAction._parse_iterable``, mmengine 0.10.7), and a
    config may write ``classes=[0, 1]``; a folder dataset then finds folder ``'0'`` missing
    from the class list ``[0, 1]``."""
    numeric = {
        path: [str(c) for c in value]
        for path, key, value in nested_items(cfg.to_dict())
        if key == 'classes' and isinstance(value, (list, tuple)) and any(not isinstance(c, str)
                                                                         for c in value)
    }
    if numeric:
        cfg.merge_from_dict(numeric)


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
        compat.setup_cpu_distributed(cfg)
    demo_data.ensure_for_config(cfg)
    check_data_roots(cfg, loaders)


def build_runner(cfg):
    """The config's runner: ``runner_type`` (``ZooRunner`` in our runtime bases), else
    mmengine's ``Runner``, as OpenMMLab's ``tools/train.py`` does."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def require_checkpoint(path):
    """The local file of a checkpoint path or URL (a URL is fetched into the torch hub
    cache, a published file's hash checked: ``custom_modules.checkpoints.
    resolve_checkpoint``), or a one-line error."""
    return resolve_checkpoint(path)


def check_work_dir(work_dir):
    """Fail now, not after hours of training, if the work dir cannot be written."""
    try:
        os.makedirs(work_dir, exist_ok=True)
        tempfile.TemporaryFile(dir=work_dir).close()
    except OSError as err:
        raise ZooError(f'work dir {work_dir} cannot be written ({err.strerror}); choose '
                       'another with --work-dir') from None


def check_data_roots(cfg, loaders):
    """Every ``data_root`` of the datasets of ``loaders`` must be a folder."""
    for loader in loaders:
        if not cfg.get(loader):
            continue
        for path, key, value in nested_items(cfg[loader].to_dict(), f'{loader}.'):
            if key == 'data_root' and isinstance(value, str) and not osp.isdir(value):
                raise ZooError(f'data root not found: {value} ({path}); point it at your '
                               f'data with --cfg-options {path}=/path/to/data')
