"""Reading a checkpoint safely: ``torch.load`` with its ``weights_only`` check on, allowing
the plain data types mmengine stores, and the one line said when a checkpoint is refused.
"""
import pickle
import re

import numpy as np
import torch


def checkpoint_safe_globals():
    """Types that mmengine 0.10.7 writes into checkpoints, all plain data.

    torch >= 2.6 loads checkpoints with ``weights_only=True`` by default, which
    refuses any pickled class it does not know; mmengine 0.10.7 stores its
    ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays and scalars) in
    every checkpoint, so resuming fails with ``Unsupported global: ...HistoryBuffer``.
    We allow exactly those data types instead of turning the check off: the check is
    what stops a malicious checkpoint from running code on load.
    Upstream: fixed by https://github.com/open-mmlab/mmengine/pull/1670, which is
    in no release yet.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [getattr(np.dtypes, name) for name in np.dtypes.__all__]
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        *dtype_classes,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ]


def _history_buffer_getattr(obj, name):
    """``getattr`` as a checkpoint may use it, restricted to HistoryBuffer methods.

    ``HistoryBuffer.__getstate__`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. A general ``getattr`` would let a pickle
    reach any object, so only those lookups are allowed.
    """
    from mmengine.logging import HistoryBuffer
    statistics = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and name in statistics:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refused getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        'mmengine HistoryBuffer methods may be looked up')


def allow_mmengine_checkpoints():
    """Add :func:`checkpoint_safe_globals` to torch's allow-list (its extension point,
    ``torch.serialization.add_safe_globals``); repeated calls change nothing."""
    torch.serialization.add_safe_globals(checkpoint_safe_globals())


def read_checkpoint(path, map_location='cpu'):
    """The checkpoint at ``path`` (a local file or URL), read once with mmengine's loader:
    ``torch.load`` with its ``weights_only`` check on (the plain data types mmengine stores
    allowed; the tools' ``--unsafe-load-checkpoint`` switches it off)."""
    from mmengine.runner.checkpoint import _load_checkpoint
    return _load_checkpoint(path, map_location=map_location)


def refused_checkpoint_message(err):
    """What to tell a user whose checkpoint ``torch.load(weights_only=True)`` refused."""
    found = re.search(r'(?:Unsupported global: GLOBAL|unsupported GLOBAL) (\S+)', str(err))
    what = f' ({found.group(1)})' if found else ''
    return ('refused to load a checkpoint: it holds a pickled object that could run code when '
            f'loaded{what}. Load only checkpoints you trust; for a trusted legacy checkpoint, '
            'rerun with --unsafe-load-checkpoint')
