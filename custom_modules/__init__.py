"""mlmondays-zoo: the ML-Mondays model families as OpenMMLab plugins.

Importing this package registers the run's modules (:mod:`run`: the runner, hooks, loop,
optimizer wrappers and schedulers) and, through :mod:`checkpoints`, the URL loader, the
atomic checkpoint backend and the data types mmengine stores in checkpoints; it replaces
nothing upstream (the workarounds of :mod:`compat` are applied by the tools and the
runner). The families live in sub-packages (``imrecog``, ``objrecog``, ``imseg``,
``ssimrecog``), each importing only its own toolbox; configs load them through
``custom_imports``.
"""
from .version import __version__

try:
    import torch  # noqa: F401
except ImportError:  # the torch-free runtime (custom_modules.deploy) needs none of this
    torch = None
if torch is not None:
    from . import run  # noqa: F401 (registration)

__all__ = ['__version__']
