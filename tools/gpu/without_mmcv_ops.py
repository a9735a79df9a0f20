"""Run a tool with every compiled mmcv op replaced by one that raises.

    python tools/gpu/without_mmcv_ops.py tools/train.py CONFIG [train.py options...]

Proves that a config needs none of mmcv's compiled kernels (``mmcv._ext``) on its path:
any call ends the run with ``mmcv op <name> was called``. The extension itself must
import (mmdet and mmengine import it for registration and type checks), so the install
builds mmcv's CPU ops; the CUDA kernels are never needed. At exit, one line on stderr
names the ops that were called, even where a caller swallowed the error.
"""
import atexit
import runpy
import sys

import mmcv._ext as ext

CALLED = []


def _raiser(name):

    def raise_(*args, **kwargs):
        CALLED.append(name)
        raise RuntimeError(f'mmcv op {name} was called')

    return raise_


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    replaced = [
        name for name in dir(ext) if not name.startswith('_') and callable(getattr(ext, name))
    ]
    for name in replaced:
        setattr(ext, name, _raiser(name))
    atexit.register(lambda: print(
        f'without_mmcv_ops: {len(replaced)} mmcv ops replaced; called: '
        f'{", ".join(sorted(set(CALLED))) or "none"}',
        file=sys.stderr))
    tool = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path.insert(0, '.')
    runpy.run_path(tool, run_name='__main__')


if __name__ == '__main__':
    main()
