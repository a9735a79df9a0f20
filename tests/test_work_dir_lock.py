"""One training per work dir: a second one stops at once naming the first; the lock of a
run that is gone is taken over."""
import json
import os
import socket
import subprocess
import sys

from custom_modules.run.run_dir import LOCK_NAME, _stale
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


def _take(work_dir, start, results):
    from custom_modules.errors import ZooError
    from custom_modules.run.run_dir import lock_work_dir
    start.wait()
    try:
        lock_work_dir(str(work_dir))
        results.put('took')
    except ZooError:
        results.put('refused')
    start.wait()  # hold the lock until every process has tried


def test_runs_that_find_one_stale_lock_together_take_it_one_at_a_time(tmp_path):
    """Eight runs start together on the lock of a dead run: one takes it, seven stop.
    (Each removed the stale lock before, so a late one could remove a fresh one.)"""
    import multiprocessing
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True,
                          text=True).stdout
    for attempt in range(3):
        work_dir = tmp_path / str(attempt)
        write_lock(work_dir, int(dead))
        context = multiprocessing.get_context('fork')
        start, results = context.Barrier(8), context.Queue()
        procs = [context.Process(target=_take, args=(work_dir, start, results)) for _ in range(8)]
        for proc in procs:
            proc.start()
        outcomes = sorted(results.get(timeout=60) for _ in procs)
        for proc in procs:
            proc.join(60)
        assert outcomes == ['refused'] * 7 + ['took'], outcomes
        assert not (work_dir / (LOCK_NAME + '.takeover')).exists()
