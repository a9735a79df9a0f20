"""mlmondays-zoo: the ML-Mondays model families as OpenMMLab plugins.

Importing this package imports nothing but its version: the torch-free runtime
(:mod:`custom_modules.deploy`) and the archive's ONNX workers run without torch, mmengine
or a toolbox even where they are installed. The run's modules (:mod:`run`: the runner,
hooks, loop, optimizer wrappers and schedulers, and through :mod:`checkpoints` the URL
loader, the atomic checkpoint backend and the data types mmengine stores in checkpoints)
are registered when :mod:`custom_modules.run` is imported: by every family, so by a
config's ``custom_imports``, and by the tools (:mod:`cli`). It replaces nothing upstream
(the workarounds of :mod:`compat` are applied by the tools and the runner). The families
live in sub-packages (``imrecog``, ``objrecog``, ``imseg``, ``ssimrecog``), each importing
only its own toolbox; configs load them through ``custom_imports``.
"""
from .version import __version__

__all__ = ['__version__']
