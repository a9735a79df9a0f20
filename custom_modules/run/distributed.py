"""The distributed process group of a run."""


def leave_process_group():
    """Shut this process's distributed group down, if it has one. A rank that exits on an
    error with its gloo group still up can be aborted at exit by the group's threads
    ("terminate called without an active exception", exit -6 instead of 2)."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
