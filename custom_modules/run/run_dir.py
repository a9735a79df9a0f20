"""The work dir's lock: one training per work dir."""
import atexit
import json
import os
import os.path as osp
import socket
import sys
import time

from ..errors import ZooError

LOCK_NAME = 'train.lock'


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _read_lock(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # being written, or damaged: treated as held by an unknown run


def lock_work_dir(work_dir, launcher='none'):
    """One training per work dir: take ``<work_dir>/train.lock`` (pid, host, start time,
    Slurm job) or stop with one line naming its holder. A lock of a dead process on this
    host, or of an earlier run of the same Slurm job (a requeue), is taken over with a
    warning. In a distributed job only rank 0 takes the lock (the ranks share it). The
    lock is removed when the process exits normally; a killed run leaves it, stale."""
    rank = int(os.environ.get('RANK', os.environ.get('SLURM_PROCID', 0)))
    if launcher != 'none' and rank != 0:
        return
    path = osp.join(work_dir, LOCK_NAME)
    mine = dict(
        pid=os.getpid(),
        host=socket.gethostname(),
        started=time.strftime('%Y-%m-%d %H:%M:%S'),
        slurm_job=os.environ.get('SLURM_JOB_ID'))
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            held = _read_lock(path)
            if held is None or not _stale(held, mine):
                who = (f"pid {held['pid']} on {held['host']}, started {held['started']}"
                       if held else 'a run whose lock cannot be read')
                raise ZooError(f'work dir {work_dir} is in use by another training ({who}); '
                               'wait for it, choose another --work-dir, or delete '
                               f'{path} if that run is gone') from None
            if _remove_if_unchanged(path, held):
                print(
                    f"WARNING: taking over the lock of a run that is gone (pid {held['pid']} "
                    f"on {held['host']}, started {held['started']}): {path}",
                    file=sys.stderr)
            continue
        with os.fdopen(fd, 'w') as f:
            json.dump(mine, f)
        atexit.register(_unlock, path, mine['pid'])
        return


TAKEOVER_TIMEOUT = 30  # seconds: a takeover guard older than this was left by a crash


def _remove_if_unchanged(path, held):
    """Remove the stale lock ``path`` if it still holds ``held``; False when another
    process got there first. Two runs that find the same stale lock would otherwise both
    remove it, the second removing the lock the first had just taken, and both train: a
    guard file (created exclusively) lets one of them at a time re-read and remove."""
    guard = path + '.takeover'
    try:
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - os.path.getmtime(guard) > TAKEOVER_TIMEOUT:
                os.remove(guard)
        except OSError:
            pass
        time.sleep(0.05)
        return False
    try:
        if _read_lock(path) != held:
            return False
        os.remove(path)
        return True
    finally:
        os.close(fd)
        os.remove(guard)


def _stale(held, mine):
    """Whether a lock's holder is gone: a dead pid on this host, or an earlier run of this
    Slurm job (requeued, possibly onto another host)."""
    if held.get('slurm_job') and held.get('slurm_job') == mine['slurm_job']:
        return True
    return held.get('host') == mine['host'] and not _alive(int(held.get('pid', 0)))


def _unlock(path, pid):
    held = _read_lock(path)
    if held and held.get('pid') == pid:
        os.remove(path)
