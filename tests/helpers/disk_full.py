"""Test plugin: the disk fills up while one checkpoint is being written (ENOSPC half-way
through), as on a shared file system that runs out of space or quota."""
import errno
import io

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

import custom_modules.checkpoints.writing as writing


class _FillingFile(io.FileIO):

    def write(self, data):
        super().write(bytes(data)[:len(data) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device')


@HOOKS.register_module()
class DiskFullHook(Hook):
    """From ``before_train`` on, writing a file whose name ends with ``name`` fails."""

    def __init__(self, name):
        self.name = name

    def before_train(self, runner):

        def open_(path, mode='r', *args, **kwargs):
            if str(path).split('.tmp-')[0].endswith(self.name) and 'w' in mode:
                return _FillingFile(path, 'w')
            return open(path, mode, *args, **kwargs)

        writing.open = open_  # the module's writes see this name before the builtin
