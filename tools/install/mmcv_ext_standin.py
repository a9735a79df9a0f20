"""``mmcv._ext`` for an mmcv built without its compiled ops: the zoo's default install.

``tools/install.sh`` builds mmcv 2.1.0 from its sdist with ``MMCV_WITH_OPS=0`` (pure
Python, seconds instead of 18 minutes of C++) and installs this file as
``mmcv/_ext.py``. mmdet, mmseg and mmpretrain import ``mmcv.ops`` when they are imported,
and every ``mmcv.ops`` module asks ``mmcv.utils.ext_loader.load_ext('_ext', names)``,
which asserts ``hasattr(mmcv._ext, name)`` for each of its C++ functions. This module
answers every such name with a function that raises :class:`CompiledOpsMissing`: one
line naming the op and how to get it. No zoo config reaches one
(``tests/test_without_mmcv_ops.py``); a stock OpenMMLab module that does (mmdet's
``RetinaHead`` NMS, RoIAlign, deformable convolution) ends in that line, not a traceback
(``tools/train.py`` and the other tools print it as ``error: ...``).

``ZOO_MMCV_OPS=cpu`` (or ``cuda``) ``bash tools/install.sh`` builds the real extension
instead, as before. This file imports nothing: it is part of the installed mmcv.
"""

STAND_IN = True  # how the installer and the tests tell this file from the compiled one
REINSTALL = ('reinstall with compiled ops: ZOO_MMCV_OPS=cpu bash tools/install.sh '
             '(ZOO_MMCV_OPS=cuda on a GPU machine)')
called = []  # names of the ops called in this process, for .dev_scripts/gpu/without_mmcv_ops.py


class CompiledOpsMissing(RuntimeError):
    """An mmcv op was called, and this mmcv was installed without its compiled ops."""


def _missing(name):

    def op(*args, **kwargs):
        called.append(name)
        raise CompiledOpsMissing(
            f"mmcv op '{name}' needs mmcv's compiled ops, which the default install leaves "
            f'out (no zoo config calls one): {REINSTALL}')

    op.__name__ = op.__qualname__ = name
    return op


def get_compiler_version():
    """What mmcv's environment report (``mmcv.utils.env.collect_env``) shows."""
    return 'n/a (mmcv installed without compiled ops)'


def get_compiling_cuda_version():
    return 'n/a (mmcv installed without compiled ops)'


def __getattr__(name):
    """Every other public name is an op that raises when called."""
    if name.startswith('__'):
        raise AttributeError(name)
    return _missing(name)
