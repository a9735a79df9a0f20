"""Writing a checkpoint so that a kill at any moment leaves the previous one whole.

mmengine 0.10.7 writes a checkpoint straight into its final name (``LocalBackend.put``):
a run killed during a save leaves a cut-off file. mmengine chooses the file backend of a
checkpoint from ``backend_args`` (``get_file_backend``; backends are registered with
``mmengine.fileio.register_backend``), so the zoo registers :class:`AtomicLocalBackend`
and ``ZooRunner.save_checkpoint`` names it for local work dirs. Upstream:
https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/fileio/backends/local_backend.py
and ``mmengine/runner/checkpoint.py`` (``save_checkpoint``).
"""
import os
import os.path as osp

from mmengine.fileio import LocalBackend, register_backend

from ..errors import ZooError

BACKEND = 'zoo_atomic_local'


def atomic_write(data, filepath):
    """Write ``data`` (bytes) to a temporary file beside ``filepath``, then rename it into
    place. A write that fails (disk full, quota) leaves no temporary file and stops the run
    with one line: the previous checkpoint and ``last_checkpoint`` are untouched."""
    filepath = str(filepath)
    os.makedirs(osp.dirname(filepath) or '.', exist_ok=True)
    tmp = f'{filepath}.tmp-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        if osp.exists(tmp):
            os.remove(tmp)
        raise ZooError(f'could not write {filepath} ({err.strerror or err}); the previous '
                       f'checkpoint and last_checkpoint are intact: free space in '
                       f'{osp.dirname(filepath) or "."}, then continue with --resume') from None
    os.replace(tmp, filepath)


@register_backend(BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose ``put`` (how a checkpoint is written) is
    :func:`atomic_write`."""

    def put(self, obj, filepath):
        atomic_write(obj, filepath)


def checkpoint_backend_args(backend_args, out_dir):
    """``backend_args`` for saving a checkpoint into ``out_dir``: as given, else the atomic
    local backend for a local folder."""
    if backend_args is None and '://' not in str(out_dir):
        return dict(backend=BACKEND)
    return backend_args
