"""mlmondays-zoo: the ML-Mondays model families as OpenMMLab plugins.

Importing this package applies the upstream workarounds in :mod:`compat`, registers the
run's modules (:mod:`run`) and loads URL checkpoints through :mod:`zoo.weights`.
The families live in sub-packages (``imrecog``, ``objrecog``, ``imseg``,
``ssimrecog``), each importing only its own toolbox; configs load them through
``custom_imports``.
"""
from .version import __version__

try:
    import torch  # noqa: F401
except ImportError:  # the torch-free runtime (custom_modules.deploy) needs none of this
    torch = None
if torch is not None:
    # registration: the run's hooks, loop, optimizer wrappers, runner and schedulers
    from . import compat, run  # noqa: F401
    from .zoo.weights import register_url_loader
    compat.apply()
    register_url_loader()  # URL checkpoints: hub cache, hash check, one line offline

__all__ = ['__version__']
