"""Predict a whole archive of rasters on Dask: resumable, a bad raster one line, a worker's
death one task.

    python tools/predict_archive.py MODEL_DIR SOURCES... --out-dir DIR [--workers N]
        [--scheduler ADDRESS | --slurm key=value ...] [--asset NAME] [--force]
        [--block-rows N] [the prediction options of tools/infer.py]
    python tools/predict_archive.py CONFIG CHECKPOINT SOURCES... --out-dir DIR [...]

MODEL_DIR is a folder tools/deployment/export_onnx.py wrote (workers run it in ONNX Runtime,
without torch: prefer it); CONFIG CHECKPOINT run in PyTorch. SOURCES: raster files,
folders (sub-folders too), globs, text files of paths or URLs (one a line), GDAL paths
(/vsicurl/https://..., /vsis3/...), URLs, and STAC Item or ItemCollection JSON files
(--asset names the asset to read). Each raster gets the files of tools/infer.py; the
archive gets archive.gpkg (every raster's boxes, class polygons or windows, with raster
and date), classes.vrt (a mosaic of class rasters), counts.csv and counts_by_date.csv
(counts and class areas in m2), and manifest.sqlite: running the same command again
predicts only what is new, changed, failed or missing; --force predicts everything.
Exit code 0 when every raster is done, 1 when any failed (listed, one line each).

Dask: a local cluster of --workers processes (default: one a core); --scheduler ADDRESS
uses a running one (dask scheduler / dask worker); --slurm cores=8 memory=32GB
walltime=02:00:00 jobs=4 ... starts Slurm jobs through dask-jobqueue, and
--print-job-script shows the job script they would run. See docs/archive.md.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from custom_modules.archive.sources import expand
from custom_modules.cli import clean_errors, load_config, require_checkpoint
from custom_modules.deploy.options import add_predict_args, geo_options, score_thr_of
from custom_modules.errors import ZooError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'inputs',
        nargs='*',
        metavar='MODEL SOURCES',
        help='MODEL_DIR SOURCES... (onnxruntime) or CONFIG CHECKPOINT SOURCES... (pytorch)')
    cluster = parser.add_argument_group('the Dask cluster')
    cluster.add_argument(
        '--workers', type=int, help='local cluster: worker processes (default: one a core)')
    cluster.add_argument('--scheduler', help='the address of a running Dask scheduler')
    cluster.add_argument(
        '--slurm',
        nargs='+',
        metavar='KEY=VALUE',
        help='Slurm jobs through dask-jobqueue: cores=, memory=, walltime=, queue=, account=, '
        'processes=, jobs= (how many), job_extra_directives= (;-separated), python=')
    cluster.add_argument(
        '--print-job-script',
        action='store_true',
        help='with --slurm: print the Slurm job script and stop')
    cluster.add_argument(
        '--dashboard', default=':8787', help='local cluster: the dashboard address')
    parser.add_argument(
        '--asset', default=None, help='STAC sources: the asset of each item to predict')
    parser.add_argument(
        '--force', action='store_true', help='predict every raster again, done or not')
    parser.add_argument(
        '--block-rows',
        type=int,
        default=8,
        help='rows of windows a task predicts; a raster with more is split into blocks '
        '(default 8)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--device', default='cpu', help='pytorch: cpu or cuda')
    parser.add_argument(
        '--threads', type=int, help='threads of each worker\'s network (default: cores/workers)')
    parser.add_argument(
        '--ensemble', nargs='+', default=[], help='more model folders (or checkpoints)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    add_predict_args(parser)
    return parser.parse_args(argv)


def model_of(args):
    """``(model reference, sources)`` from the positional arguments."""
    first = args.inputs[0]
    if first.endswith('.py'):
        if len(args.inputs) < 3:
            raise ZooError('pytorch: give CONFIG CHECKPOINT SOURCES...')
        args.config, checkpoint, sources = first, args.inputs[1], args.inputs[2:]
        if args.precision != 'fp32':
            raise ZooError(f'--precision {args.precision} is for an exported model: give '
                           'MODEL_DIR SOURCES...')
        cfg = load_config(args)  # its one-line errors here, once, not on every worker
        return dict(
            backend='pytorch',
            config=osp.abspath(args.config),
            cfg=cfg,
            checkpoint=osp.abspath(require_checkpoint(checkpoint)),
            ensemble=[osp.abspath(require_checkpoint(c)) for c in args.ensemble],
            device=args.device,
            cfg_options=dict(args.cfg_options),
            batch_size=args.batch,
            tta=args.tta,
            threads=args.threads), sources
    if len(args.inputs) < 2:
        raise ZooError('give MODEL_DIR SOURCES... (or CONFIG CHECKPOINT SOURCES...)')
    from custom_modules.deploy.model_dir import load_spec, model_file
    for folder in (first, *args.ensemble):
        model_file(folder, load_spec(folder), args.precision)  # a clear line now, not a raster's
    return dict(
        backend='onnxruntime',
        model_dir=osp.abspath(first),
        ensemble=[osp.abspath(d) for d in args.ensemble],
        precision=args.precision,
        batch_size=args.batch,
        tta=args.tta,
        threads=args.threads), args.inputs[1:]


def options_of(args):
    """The prediction options every task of the archive takes."""
    geo = geo_options(args)
    outputs = {
        k: geo.pop(k)
        for k in ('probabilities', 'min_area', 'boundary', 'uncertainty', 'suggest')
    }
    return dict(
        tile=args.tile,
        overlap=args.overlap,
        score_thr=score_thr_of(args),
        outputs={
            k: v
            for k, v in outputs.items() if v
        },
        **geo)


@clean_errors
def main(argv=None):
    args = parse_args(argv)
    if args.print_job_script:
        from custom_modules.archive.cluster import slurm_cluster
        if not args.slurm:
            raise ZooError('--print-job-script: give the --slurm settings it is for')
        cluster, _ = slurm_cluster(args.slurm)
        print(cluster.job_script())
        cluster.close()
        return
    if sum(bool(x) for x in (args.workers, args.scheduler, args.slurm)) > 1:
        raise ZooError('give one of --workers, --scheduler and --slurm')
    model, sources = model_of(args)
    options = options_of(args)
    rasters = expand(sources, args.asset, args.out_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    from custom_modules.archive.cluster import connect
    from custom_modules.archive.run import run_archive
    client, cluster, threads = connect(args.workers, args.scheduler, args.slurm, args.dashboard)
    try:
        print(
            f'Dask: {len(client.scheduler_info()["workers"])} worker(s), dashboard '
            f'{client.dashboard_link}',
            flush=True)
        model['threads'] = model['threads'] or threads
        _, failed, _ = run_archive(client, model, rasters, options, args.out_dir, args.block_rows,
                                   args.force, not args.no_progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
