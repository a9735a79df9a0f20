"""One home for checkpoints: reading them safely (``reading``), writing them so that a kill
leaves the previous one whole (``writing``), does one fit a model (``fit``), which one
``--resume`` takes and the best so far (``resume``), fetching one by URL with its hash
checked (``urls``), and what a pretrained start says (``pretrained``). Each refusal is one
line naming the file and the fix.

Importing the package registers, through mmengine's and torch's extension points, the
atomic local file backend, the URL loader and the data types mmengine stores in
checkpoints; it replaces nothing upstream.
"""
from .fit import check_checkpoint_fits, checkpoint_model_type, compare_state
from .reading import (allow_mmengine_checkpoints, checkpoint_safe_globals, read_checkpoint,
                      refused_checkpoint_message)
from .resume import best_so_far, find_resumable_checkpoint, is_complete_checkpoint
from .urls import register_url_loader, resolve_checkpoint
from .writing import AtomicLocalBackend, atomic_write, checkpoint_backend_args

allow_mmengine_checkpoints()
register_url_loader()  # URL checkpoints: hub cache, hash check, one line offline

__all__ = [
    'AtomicLocalBackend', 'allow_mmengine_checkpoints', 'atomic_write', 'best_so_far',
    'check_checkpoint_fits', 'checkpoint_backend_args', 'checkpoint_model_type',
    'checkpoint_safe_globals', 'compare_state', 'find_resumable_checkpoint',
    'is_complete_checkpoint', 'read_checkpoint', 'refused_checkpoint_message',
    'register_url_loader', 'resolve_checkpoint'
]
