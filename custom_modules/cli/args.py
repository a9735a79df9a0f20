"""The arguments every tool takes, in OpenMMLab's spelling, and the output options."""
import argparse
import importlib.util

from mmengine.config import DictAction

from ..errors import ZooError


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
