"""The ssimrecog configs train through our tools; the seed comparison tool tabulates them."""
import json
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

import custom_modules.run  # noqa: F401 (registration; checkpoints load through compat)
from zoo_test_utils import run, run_tool, write_images

FIXMATCH = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
SUPERVISED = 'configs/ssimrecog/supervised_course-convnet_1xb8-1500it_demo-textures-4lpc.py'
NPAIRS = 'configs/ssimrecog/npairs_course-embed8_1xb8-1000it_demo-textures.py'
SHORT = [
    'train_cfg.max_iters=4', 'train_cfg.val_interval=4', 'param_scheduler.T_max=4',
    'default_hooks.logger.interval=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False'
]


def scalars(work_dir):
    path = next(Path(work_dir).glob('*/vis_data/scalars.json'))
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_compare_seeds_trains_both_configs_on_the_same_split(tmp_path):
    import sys
    run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', FIXMATCH, SUPERVISED, '--seeds',
        '0', '1', '--work-dir', tmp_path, '--cfg-options', *SHORT
    ],
        timeout=900)
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['metric'] == 'cls/accuracy'
    assert set(results['results']) == {Path(FIXMATCH).stem, Path(SUPERVISED).stem}
    for per_seed in results['results'].values():
        assert set(per_seed) == {'seed0', 'seed1'}
        assert all(0 <= v <= 100 for v in per_seed.values())
    assert '| seed 0 | seed 1 | mean | std | range |' in (tmp_path / 'results.md').read_text()
    for config in (FIXMATCH, SUPERVISED):
        for seed in (0, 1):
            work_dir = tmp_path / Path(config).stem / f'seed{seed}'
            dumped = Config.fromfile(next(work_dir.glob('*.py')))
            assert dumped.randomness.seed == seed
            train_set = dumped.train_dataloader.dataset
            datasets = train_set.get('datasets', [train_set])
            assert [d.split_seed for d in datasets] == [seed] * len(datasets)
    logged = scalars(tmp_path / Path(FIXMATCH).stem / 'seed0')
    assert any('pseudo_confident' in row and 'unsup_scale' in row and 'pseudo_wrong' in row
               for row in logged)

    # again on the test split, reusing the finished runs: nothing retrains, each value is
    # the final checkpoint's test metric
    runs_before = sorted(tmp_path.glob('*/seed*/2*'))
    proc = run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', SUPERVISED, '--seeds', '0', '1',
        '--split', 'test', '--reuse', '--work-dir', tmp_path, '--cfg-options', *SHORT
    ],
               timeout=900)
    assert proc.stdout.count('finished before') == 2
    assert sorted(tmp_path.glob('*/seed*/2*')) == runs_before
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['split'] == 'test'
    for seed in (0, 1):
        seed_dir = tmp_path / Path(SUPERVISED).stem / f'seed{seed}'
        tested = json.loads((seed_dir / 'test' / 'test_metrics.json').read_text())
        assert results['results'][Path(SUPERVISED).stem][f'seed{seed}'] == tested['cls/accuracy']

    # a run of another config (here: another option) is not reused
    proc = run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', SUPERVISED, '--seeds', '0',
        '--reuse', '--work-dir', tmp_path, '--cfg-options', *SHORT, 'train_cfg.val_interval=2'
    ],
               timeout=900)
    assert 'finished before' not in proc.stdout
    assert len(sorted(tmp_path.glob(f'{Path(SUPERVISED).stem}/seed0/2*'))) == 2


def test_compare_seeds_runs_each_seed_at_each_thread_count(tmp_path):
    """The thread count changes a CPU run's floats (the kernels split their sums by
    thread), so a stable recipe is one whose figure does not move with it: --threads runs
    every seed at each count, and the table gives the range as well as the spread."""
    run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', SUPERVISED, '--seeds', '0',
        '--threads', '1', '2', '--work-dir', tmp_path, '--cfg-options', *SHORT
    ],
        timeout=900)
    runs = json.loads((tmp_path / 'results.json').read_text())['results'][Path(SUPERVISED).stem]
    assert list(runs) == ['seed0-threads1', 'seed0-threads2']
    for name, threads in zip(runs, (1, 2)):
        summary = json.loads((tmp_path / Path(SUPERVISED).stem / name / 'summary.json').read_text())
        assert summary['trained']['threads'] == threads
    table = (tmp_path / 'results.md').read_text()
    assert '| seed 0, 1 thread | seed 0, 2 threads | mean | std | range |' in table
    values = list(runs.values())
    assert table.rstrip().endswith(f'| {max(values) - min(values):.2f} |')


def test_compare_seeds_refuses_a_thread_count_below_one(tmp_path):
    proc = run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', SUPERVISED, '--threads', '0',
        '--work-dir', tmp_path
    ],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].endswith(
        "argument --threads: 0 threads: give 1 or more")
    assert not list(tmp_path.iterdir())


def test_fixmatch_without_its_mean_teacher_hook_is_refused(tmp_path):
    proc = run_tool(
        'train.py',
        FIXMATCH,
        '--work-dir',
        tmp_path,
        '--cfg-options',
        *SHORT,
        'custom_hooks=[]',
        check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: SemiSupervisedClassifier trains only with MeanTeacherHook: add "
        "dict(type='MeanTeacherHook') to custom_hooks")


def test_fixmatch_checkpoint_tests_with_its_teacher(tmp_path):
    """Trained with FreeMatch's thresholds and distribution alignment (config options):
    their running statistics move and are saved with the model."""
    run_tool('train.py', FIXMATCH, '--work-dir', tmp_path, '--cfg-options', *SHORT,
             'model.semi_train_cfg.threshold_mode=self-adaptive',
             'model.semi_train_cfg.distribution_alignment=True',
             'model.semi_train_cfg.ema_decay=0.5')
    ckpt = tmp_path / 'iter_4.pth'
    proc = run_tool('test.py', FIXMATCH, ckpt, '--work-dir', tmp_path / 'test', '--cfg-options',
                    'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False')
    assert 'cls/accuracy' in proc.stdout + proc.stderr
    import torch
    state = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert any(k.startswith('teacher.') for k in state)
    assert any(k.startswith('student.') for k in state)
    assert state['class_means'].sum().item() == pytest.approx(1.0)
    assert state['global_confidence'].item() != pytest.approx(0.25)  # moved from 1/C


def test_npairs_config_reports_knn_accuracy_and_draws_tsne(tmp_path):
    run_tool('train.py', NPAIRS, '--work-dir', tmp_path, '--cfg-options', *SHORT)
    final = [row for row in scalars(tmp_path) if 'knn/top1_k5' in row]
    assert final and all(0 <= final[-1][f'knn/top1_k{k}'] <= 100 for k in (3, 5, 7))
    assert next(tmp_path.glob('*/tsne.png')).stat().st_size > 1000


def test_fixmatch_on_a_folder_of_your_own_changes_keys_only(tmp_path):
    """The README's command: a folder per class of 3 classes, 4 labels each."""
    classes = ['sand', 'gravel', 'marsh']
    write_images([
        tmp_path / 'mine' / split / c / f'{i}.png' for split, count in (('train', 12), ('val', 3))
        for c in classes for i in range(count)
    ])
    data, names = tmp_path / 'mine', '[sand,gravel,marsh]'
    run_tool('train.py', FIXMATCH, '--work-dir', tmp_path / 'work', '--cfg-options', *SHORT,
             f'train_dataloader.dataset.data_root={data}',
             f'train_dataloader.dataset.classes={names}',
             'train_dataloader.dataset.labels_per_class=4',
             f'val_dataloader.dataset.data_root={data}', f'val_dataloader.dataset.classes={names}',
             'model.classifier.head.num_classes=3')
    logged = scalars(tmp_path / 'work')
    assert any(row.get('pseudo_confident') is not None for row in logged)
    final = [row for row in logged if 'cls/accuracy' in row]
    assert final and 0 <= final[-1]['cls/accuracy'] <= 100
    dumped = Config.fromfile(next((tmp_path / 'work').glob('*.py')))
    assert list(dumped.train_dataloader.dataset.classes) == classes


def test_fixmatch_with_a_folder_of_unlabelled_images(tmp_path):
    """labelled/<class>/, unlabelled/ (nested, no classes) and val/<class>/."""
    classes = ['marsh', 'pebbles', 'ripples', 'water']
    paths = [f'labelled/{c}/{i}.png' for c in classes for i in range(2)]
    paths += [f'unlabelled/day{d}/{i}.png' for d in range(2) for i in range(10)]
    paths += [f'val/{c}/{i}.png' for c in classes for i in range(2)]
    write_images([tmp_path / rel for rel in paths])
    config = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_folder-unlabelled-64.py'
    run_tool('train.py', config, '--work-dir', tmp_path / 'work', '--cfg-options', *SHORT,
             f'train_dataloader.dataset.datasets.0.data_root={tmp_path}',
             f'train_dataloader.dataset.datasets.1.data_root={tmp_path}',
             f'val_dataloader.dataset.data_root={tmp_path}')
    logged = scalars(tmp_path / 'work')
    assert any('pseudo_confident' in row and 'pseudo_acc' not in row for row in logged)
    assert [row for row in logged if 'cls/accuracy' in row]


@pytest.mark.parametrize('config', sorted(Path('configs/ssimrecog').glob('*digits*noflip.py')))
def test_tuned_digits_configs_never_flip_and_keep_the_rest(config):
    """The tuned digits configs leave out mirror flips (a mirrored digit is another glyph)
    in every view, and keep the crops and, for FixMatch, RandAugment and the cutout."""
    cfg = Config.fromfile(config)
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = repr(pipeline)
    assert 'RandomFlip' not in types
    assert 'RandomCrop' in types
    if cfg.model.type == 'SemiSupervisedClassifier':
        weak, strong = next(t for t in pipeline if t.type == 'MultiView').transforms
        assert [t.type for t in weak] == ['RandomCrop']
        assert [t.type for t in strong] == ['RandomCrop', 'RandAugment', 'RandomErasing']


def test_compare_seeds_on_the_test_split_without_a_checkpoint_is_one_line(tmp_path):
    proc = run([
        sys.executable, 'tools/analysis_tools/compare_seeds.py', SUPERVISED, '--seeds', '0',
        '--split', 'test', '--work-dir', tmp_path, '--cfg-options', *SHORT,
        'default_hooks.checkpoint.interval=1000', 'default_hooks.checkpoint.save_last=False'
    ],
               check=False,
               timeout=900)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: {tmp_path / Path(SUPERVISED).stem / "seed0"} has no last_checkpoint to test: '
        'training saved no checkpoint (see default_hooks.checkpoint in the config)')


def test_the_own_data_config_turns_flips_off_where_its_comment_says(tmp_path):
    """The README's own-data config: its one flip line, emptied in a copy, leaves no
    mirror flip in either view; as shipped both views flip."""
    config = Path(
        'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_folder-unlabelled-64.py')
    text = config.read_text()
    line = "flip = [dict(type='RandomFlip', prob=0.5, direction='horizontal')]"
    assert text.count(line) == 1
    copy = Path('configs/ssimrecog') / f'_noflip_{tmp_path.name}.py'
    copy.write_text(text.replace(line, 'flip = []'))
    try:
        for path, flips in ((config, 1), (copy, 0)):
            views = Config.fromfile(path).train_dataloader.dataset.datasets[1].pipeline[2]
            for view in views.transforms:
                assert sum(t['type'] == 'RandomFlip' for t in view) == flips, (path, view)
    finally:
        copy.unlink()


def test_the_best_checkpoint_is_tested_only_where_the_run_kept_one(tmp_path, monkeypatch):
    """--checkpoint best: the run's one best_*.pth goes to tools/test.py; none is one line."""
    sys.path.insert(0, 'tools/analysis_tools')
    import compare_seeds

    from custom_modules.errors import ZooError
    with pytest.raises(
            ZooError,
            match='holds 0 best_.*pth checkpoints, not one: --checkpoint '
            "best needs the config's default_hooks.checkpoint.save_best"):
        compare_seeds.test_metric('c.py', str(tmp_path), 'mIoU', [], which='best')
    (tmp_path / 'best_mIoU_epoch_5.pth').write_bytes(b'')
    (tmp_path / 'test').mkdir()
    (tmp_path / 'test' / 'test_metrics.json').write_text('{"mIoU": 21.5}')
    called = []
    monkeypatch.setattr(
        compare_seeds.subprocess,
        'run',
        lambda command, env=None: called.append(command) or type('Done', (), dict(returncode=0))())
    assert compare_seeds.test_metric('c.py', str(tmp_path), 'mIoU', [], which='best') == 21.5
    assert called[0][3] == str(tmp_path / 'best_mIoU_epoch_5.pth')
