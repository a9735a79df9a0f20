"""The Dask cluster an archive runs on: a local cluster of worker processes (default), an
existing scheduler by address, or Slurm jobs through ``dask-jobqueue``."""
import os

from ..errors import ZooError

SLURM_INTS = ('cores', 'processes', 'jobs', 'port')

# Dask's nanny gives worker processes MALLOC_TRIM_THRESHOLD_=65536. A fixed trim threshold
# turns off glibc's adaptive one, and every large numpy array is then mapped and unmapped
# anew: 1.19 s a 1 Mpx raster of the geo demo U-Net with it, 0.96 s without (1.18 s with a
# 256 MB threshold). Dask unsets a variable given as None in this configuration
# (distributed/nanny.py, _get_env_variables); a Slurm job's nanny reads it from the job's
# environment (a dict literal: the variable's name is lower-cased, its value is not).
KEEP_MALLOC = {'distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_': None}
KEEP_MALLOC_EXPORT = ('export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON='
                      '"{\'MALLOC_TRIM_THRESHOLD_\': None}"')


def parse_slurm(pairs):
    """``--slurm key=value ...`` -> ``(SLURMCluster keyword arguments, jobs)``. Keys are
    ``dask_jobqueue.SLURMCluster``'s (cores, processes, memory, walltime, queue, account,
    job_extra_directives (;-separated), job_script_prologue (;-separated), python, ...)
    and ``jobs``, how many Slurm jobs to start (default 1)."""
    kwargs = {}
    for pair in pairs:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise ZooError(f'--slurm {pair}: give key=value, e.g. cores=8 memory=32GB')
        if key in SLURM_INTS:
            try:
                value = int(value)
            except ValueError:
                raise ZooError(f'--slurm {pair}: {key} is a whole number') from None
        elif key in ('job_extra_directives', 'job_script_prologue', 'worker_extra_args'):
            value = [v for v in value.split(';') if v]
        kwargs[key] = value
    jobs = kwargs.pop('jobs', 1)
    for needed in ('cores', 'memory'):
        if needed not in kwargs:
            raise ZooError(f'--slurm: give {needed}=..., e.g. cores=8 memory=32GB')
    return kwargs, jobs


def worker_threads(pairs):
    """The cores of one worker process of a Slurm job: ``cores // processes`` (with
    dask-jobqueue's default of processes, Dask's ``nprocesses_nthreads``), so that the
    network's threads of a node's workers add up to its cores."""
    from distributed.deploy.utils import nprocesses_nthreads
    kwargs, _ = parse_slurm(pairs)
    processes = kwargs.get('processes') or nprocesses_nthreads(kwargs['cores'])[0]
    return max(1, kwargs['cores'] // processes)


def slurm_cluster(pairs):
    """A ``dask_jobqueue.SLURMCluster`` of ``--slurm`` and the number of jobs to start."""
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ZooError(
            '--slurm needs dask-jobqueue (pip install -r requirements/runtime.txt)') from None
    kwargs, jobs = parse_slurm(pairs)
    kwargs.setdefault('job_name', 'zoo-archive')
    kwargs['job_script_prologue'] = [*kwargs.get('job_script_prologue', []), KEEP_MALLOC_EXPORT]
    try:
        return SLURMCluster(**kwargs), jobs
    except (TypeError, ValueError) as err:
        raise ZooError(f'--slurm: {err}') from None


def connect(workers=None, scheduler=None, slurm=None, dashboard=':8787'):
    """``(dask Client, cluster or None, threads a worker may use)``."""
    from distributed import Client, LocalCluster
    if scheduler:
        try:
            return Client(scheduler, timeout='30s'), None, None
        except OSError as err:
            raise ZooError(
                f'--scheduler {scheduler}: no Dask scheduler answers there ({err})') from None
    if slurm:
        cluster, jobs = slurm_cluster(slurm)
        cluster.scale(jobs=jobs)
        return Client(cluster), cluster, worker_threads(slurm)
    import dask
    dask.config.set(KEEP_MALLOC)
    cores = os.cpu_count() or 1
    workers = workers or cores
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=dashboard)
    return Client(cluster), cluster, max(1, cores // workers)
