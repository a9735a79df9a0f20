"""Run a tool with every compiled mmcv op raising, and report which were called.

    python .dev_scripts/gpu/without_mmcv_ops.py tools/train.py CONFIG [train.py options...]

Proves that a config needs none of mmcv's compiled kernels (``mmcv._ext``) on its path.
On the default install mmcv has no compiled ops: ``mmcv._ext`` is the stand-in
``tools/install/mmcv_ext_standin.py``, whose every op raises already and records its
name. On an install with them (``ZOO_MMCV_OPS=cpu`` or ``cuda``) each function of the
extension is replaced by one that raises ``mmcv op <name> was called``. At exit, one line
on stderr names the ops that were called, even where a caller swallowed the error.
"""
import atexit
import runpy
import sys

import mmcv._ext as ext


def _raiser(name, called):

    def raise_(*args, **kwargs):
        called.append(name)
        raise RuntimeError(f'mmcv op {name} was called')

    return raise_


def make_ops_raise():
    """Every op of ``mmcv._ext`` raises from now on; returns what to report and the list
    the called ops' names go to."""
    if getattr(ext, 'STAND_IN', False):
        return 'mmcv installed without compiled ops, every op raises', ext.called
    called = []
    replaced = [
        name for name in dir(ext) if not name.startswith('_') and callable(getattr(ext, name))
    ]
    for name in replaced:
        setattr(ext, name, _raiser(name, called))
    return f'{len(replaced)} compiled mmcv ops replaced', called


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    what, called = make_ops_raise()
    atexit.register(lambda: print(
        f'without_mmcv_ops: {what}; called: {", ".join(sorted(set(called))) or "none"}',
        file=sys.stderr))
    tool = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path.insert(0, '.')
    runpy.run_path(tool, run_name='__main__')


if __name__ == '__main__':
    main()
