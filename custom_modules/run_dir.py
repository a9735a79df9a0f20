"""Where a metric or hook writes its files when no folder is configured."""
import os.path as osp

from mmengine.logging import MMLogger


def current_log_dir():
    """The running job's log folder (``<work_dir>/<timestamp>``), or ``.`` outside a run."""
    log_file = getattr(MMLogger.get_current_instance(), 'log_file', None)
    return osp.dirname(log_file) if log_file else '.'
