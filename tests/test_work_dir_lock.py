"""One training per work dir: a second one stops at once naming the first; the lock of a
run that is gone is taken over."""
import json
import os
import socket
import subprocess
import sys

from custom_modules.run_dir import LOCK_NAME, _stale
from zoo_test_utils import DEMO_CONFIGS, QUICK, run_tool


def write_lock(work_dir, pid, **extra):
    work_dir.mkdir(parents=True, exist_ok=True)
    lock = dict(pid=pid, host=socket.gethostname(), started='2026-11-30 06:00:00', **extra)
    (work_dir / LOCK_NAME).write_text(json.dumps(lock))


def test_a_second_training_into_a_busy_work_dir_stops_naming_the_first(tmp_path):
    write_lock(tmp_path, os.getpid())  # this test process: alive
    proc = run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: work dir {tmp_path} is in use by another training (pid {os.getpid()} on '
        f'{socket.gethostname()}, started 2026-11-30 06:00:00); wait for it, choose another '
        f'--work-dir, or delete {tmp_path / LOCK_NAME} if that run is gone')
    assert not list(tmp_path.glob('*.pth'))


def test_the_lock_of_a_dead_run_is_taken_over_and_released_at_the_end(tmp_path):
    gone = subprocess.Popen([sys.executable, '-c', 'pass'])
    gone.wait()
    write_lock(tmp_path, gone.pid)
    proc = run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, '--cfg-options',
                    *QUICK)
    assert f'taking over the lock of a run that is gone (pid {gone.pid} on' in proc.stderr
    assert (tmp_path / 'epoch_1.pth').exists()
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_requeued_slurm_job_takes_over_its_own_lock_on_another_host():
    held = dict(pid=1, host='node-a', started='x', slurm_job='42')
    assert _stale(held, dict(pid=7, host='node-b', slurm_job='42'))
    assert not _stale(held, dict(pid=7, host='node-b', slurm_job='43'))
    assert not _stale(held, dict(pid=7, host='node-b', slurm_job=None))
