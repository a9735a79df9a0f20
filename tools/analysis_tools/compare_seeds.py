"""Train several configs with several seeds and tabulate the final metric: mean and spread.

    python tools/analysis_tools/compare_seeds.py CONFIG [CONFIG ...] [--seeds 0 1 2]
        [--threads 1 2] [--metric cls/accuracy] [--split val|test]
        [--checkpoint last|best] [--reuse]
        [--work-dir work_dirs/compare_seeds] [--cfg-options k=v ...]

Seed ``s`` sets ``randomness.seed=s`` and every ``split_seed`` in the config, so configs
drawing their labelled images from a seed (ssimrecog) are compared on the same labelled
images for each seed. ``--threads``: each seed also runs once per CPU thread count
(``OMP_NUM_THREADS``; the kernels split their sums by thread, so the count changes the
floats, and a stable recipe's figure does not move with it). ``--split val`` (default):
the metric logged at the last validation. ``--split test``: the final checkpoint (never
one chosen on val) evaluated by ``tools/test.py`` on the config's test split;
``--checkpoint best`` tests the best validation's instead, for configs that keep it
(``save_best``) and stop early.
``--reuse``: a run whose work dir holds a finished run (its ``summary.json``) of the same
config and options (the config dumped there equals today's) is not trained again; one of
a changed config is. Writes ``results.json`` and ``results.md`` to the work dir and
prints the table: each run's value, their mean, sample standard deviation and range
(largest minus smallest).
"""
import argparse
import copy
import glob
import itertools
import json
import os
import os.path as osp
import statistics
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmengine.config import Config, DictAction  # noqa: E402

from custom_modules.cli import clean_errors  # noqa: E402
from custom_modules.errors import ZooError  # noqa: E402
from custom_modules.nested import nested_items  # noqa: E402
from custom_modules.zoo.zoo_index import read_run_file  # noqa: E402


def seed_options(cfg, seed):
    """The overrides of seed ``seed``: ``randomness.seed`` and every ``split_seed`` found
    in ``cfg``."""
    split_seeds = {
        path: seed
        for path, key, _ in nested_items(cfg.to_dict()) if key == 'split_seed'
    }
    return {'randomness.seed': seed, **split_seeds}


def final_metric(work_dir, key):
    """The last value of ``key`` in the newest run's ``vis_data/scalars.json``."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        raise ZooError(f'no logged scalars under {work_dir}; did training run?')
    value = None
    with open(runs[-1]) as f:
        for line in f:
            value = json.loads(line).get(key, value)
    if value is None:
        raise ZooError(f'{runs[-1]} never logged {key!r}; pick --metric from its keys')
    return value


# keys the training tool sets in the config it dumps, whatever the config says
SET_BY_THE_TOOL = ('launcher', 'verbose', 'work_dir')


def finished_run_of(cfg, config, work_dir, options):
    """Whether ``work_dir`` holds a finished run of ``cfg`` (read from ``config``) with the
    overrides ``options``: its ``summary.json``, and the config dumped there equal to
    today's."""
    dumped = osp.join(work_dir, osp.basename(config))
    if not (osp.isfile(osp.join(work_dir, 'summary.json')) and osp.isfile(dumped)):
        return False
    today = copy.deepcopy(cfg)
    today.merge_from_dict(options)
    today, then = today.to_dict(), Config.fromfile(dumped).to_dict()
    return all(
        then.get(k) == today.get(k) for k in set(then) | set(today) if k not in SET_BY_THE_TOOL)


def thread_env(threads):
    """The environment of a run with ``threads`` CPU threads (None: this one's)."""
    if threads is None:
        return None
    return {**os.environ, 'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)}


def test_metric(config, work_dir, key, overrides, env=None, which='last', log=None):
    """``key`` of the final checkpoint (``which='last'``) or the best validation's
    (``'best'``: the ``best_*.pth`` that ``default_hooks.checkpoint.save_best`` keeps) of
    the run in ``work_dir`` on the test split; ``tools/test.py`` prints to the console, or
    to the file ``log``."""
    if which == 'best':
        found = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
        if len(found) != 1:
            raise ZooError(f'{work_dir} holds {len(found)} best_*.pth checkpoints, not one: '
                           "--checkpoint best needs the config's default_hooks.checkpoint."
                           'save_best')
        checkpoint = found[0]
    else:
        pointer = osp.join(work_dir, 'last_checkpoint')
        if not osp.isfile(pointer):
            raise ZooError(f'{work_dir} has no last_checkpoint to test: training saved no '
                           'checkpoint (see default_hooks.checkpoint in the config)')
        with open(pointer) as f:
            checkpoint = f.read().strip()
    test_dir = osp.join(work_dir, 'test')
    command = [
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'), config, checkpoint, '--work-dir', test_dir,
        '--cfg-options', *overrides
    ]
    if log is None:
        failed = subprocess.run(command, env=env).returncode
    else:
        with open(log, 'w') as out:
            failed = subprocess.run(
                command, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if failed:
        raise ZooError(f'testing {checkpoint} failed; see {log or test_dir}')
    metrics = read_run_file(
        osp.join(test_dir, 'test_metrics.json'), f'tools/test.py wrote no metrics; see {test_dir}')
    if key not in metrics:
        raise ZooError(f'the test of {checkpoint} has no {key!r}; pick --metric from '
                       f'{sorted(metrics)}')
    return metrics[key]


def run_name(seed, threads=None):
    """A run's key in the results and its work dir's name: ``seed0`` or
    ``seed0-threads2``."""
    return f'seed{seed}' if threads is None else f'seed{seed}-threads{threads}'


def run_title(name):
    """A table column: ``seed 0`` or ``seed 0, 2 threads``."""
    seed, _, threads = name[len('seed'):].partition('-threads')
    if not threads:
        return f'seed {seed}'
    return f'seed {seed}, {threads} thread{"" if threads == "1" else "s"}'


def summarise(results):
    """``{config: {run: value}}`` to a Markdown table: each run's value, the mean, sample
    standard deviation and range (largest minus smallest)."""
    runs = list(dict.fromkeys(r for per_run in results.values() for r in per_run))
    lines = [
        '| config | ' + ' | '.join(map(run_title, runs)) + ' | mean | std | range |',
        '|---|' + '---|' * (len(runs) + 3)
    ]
    for config, per_run in results.items():
        values = [per_run[r] for r in runs if r in per_run]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        cells = [f'{per_run[r]:.2f}' if r in per_run else '-' for r in runs]
        lines.append(f'| {config} | ' + ' | '.join(cells) + f' | {statistics.mean(values):.2f} '
                     f'| {std:.2f} | {max(values) - min(values):.2f} |')
    return '\n'.join(lines)


def thread_count(text):
    """``--threads`` values: OMP_NUM_THREADS ignores 0 or less, so a run would be labelled
    with a count it never had."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text} threads: give 1 or more')
    return value


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--threads',
        nargs='+',
        type=thread_count,
        help='run each seed once per CPU thread count (OMP_NUM_THREADS); default: as set')
    parser.add_argument('--metric', default='cls/accuracy')
    parser.add_argument(
        '--split',
        choices=('val', 'test'),
        default='val',
        help='val: the last validation; test: the final checkpoint on the test split')
    parser.add_argument(
        '--checkpoint',
        choices=('last', 'best'),
        default='last',
        help='--split test: the final checkpoint, or the best validation\'s (save_best)')
    parser.add_argument(
        '--reuse', action='store_true', help='do not retrain seeds whose run finished')
    parser.add_argument('--work-dir', default='work_dirs/compare_seeds')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides applied to every run')
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    results = {}
    for config in args.configs:
        if not osp.isfile(config):
            raise ZooError(f'config file not found: {config}')
        name = osp.splitext(osp.basename(config))[0]
        cfg = Config.fromfile(config)
        for seed, threads in itertools.product(args.seeds, args.threads or [None]):
            run = run_name(seed, threads)
            label = f'[{name} {run_title(run)}]'
            work_dir = osp.join(args.work_dir, name, run)
            options = {**seed_options(cfg, seed), **args.cfg_options}
            overrides = [f'{k}={v}' for k, v in options.items()]
            command = [
                sys.executable,
                osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir,
                '--cfg-options', *overrides
            ]
            if args.reuse and finished_run_of(cfg, config, work_dir, options):
                print(f'{label} finished before, in {work_dir}', flush=True)
            else:
                print(f'{label} ' + ' '.join(command[1:]), flush=True)
                if subprocess.run(command, env=thread_env(threads)).returncode:
                    raise ZooError(f'training {config} ({run_title(run)}) failed; see {work_dir}')
            results.setdefault(name, {})[run] = (
                test_metric(config, work_dir, args.metric, overrides, thread_env(threads),
                            args.checkpoint) if args.split == 'test' else final_metric(
                                work_dir, args.metric))
    table = summarise(results)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(metric=args.metric, split=args.split, results=results), f, indent=1)
    title = f'{args.metric} ({args.split} split)'
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(f'{title}\n\n{table}\n')
    print(f'\n{title}\n{table}')


if __name__ == '__main__':
    main()
