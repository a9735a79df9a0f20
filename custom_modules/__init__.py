"""mlmondays-zoo: the ML-Mondays model families as OpenMMLab plugins.

Importing this package applies the upstream workarounds in :mod:`compat`.
The families live in sub-packages (``imrecog``, ``objrecog``, ``imseg``,
``ssimrecog``), each importing only its own toolbox; configs load them through
``custom_imports``.
"""
# registration: hooks, the epoch loop, optimizer wrappers, ZooRunner, RampDecayLR
from . import compat, hooks, loops, optim_wrappers, runner, schedulers, speed  # noqa: F401
from .version import __version__

compat.apply()

__all__ = ['__version__']
