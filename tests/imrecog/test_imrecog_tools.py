"""Image recognition through the tools, as users run them."""
import json

import numpy as np
from PIL import Image

from zoo_test_utils import QUICK, run_tool

DEMO = 'configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py'


def test_own_folder_dataset_by_cfg_options_only(tmp_path):
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for cls, value in (('dark', 40), ('bright', 200)):
            for i in range(6):
                path = tmp_path / 'data' / split / cls / f'{i}.jpg'
                path.parent.mkdir(parents=True, exist_ok=True)
                pixels = np.clip(rng.normal(value, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(path)
    data = tmp_path / 'data'
    work = tmp_path / 'work'
    run_tool('train.py', DEMO, '--work-dir', work, '--cfg-options', *QUICK,
             f'train_dataloader.dataset.data_root={data}',
             f'val_dataloader.dataset.data_root={data}',
             'train_dataloader.dataset.classes=[dark,bright]',
             'val_dataloader.dataset.classes=[dark,bright]', 'model.head.num_classes=2',
             'data_preprocessor.num_classes=2')
    out = run_tool('test.py', DEMO, work / 'epoch_1.pth', '--work-dir', work, '--show-dir',
                   work / 'show', '--cfg-options', *QUICK[2:],
                   f'test_dataloader.dataset.data_root={data}',
                   'test_dataloader.dataset.classes=[dark,bright]', 'model.head.num_classes=2')
    assert 'cls/accuracy' in out.stdout
    newest = max(work.rglob('confusion_matrix.json'), key=lambda p: p.stat().st_mtime)
    matrix = json.loads(newest.read_text())
    assert matrix['classes'] == ['dark', 'bright']
    assert sum(map(sum, matrix['matrix'])) == 12  # every test image, counted once
    assert (work / 'show' / 'prediction_grid.png').exists()
    assert next(work.rglob('confusion_matrix.png')).stat().st_size > 1000


def test_num_classes_disagreeing_with_classes_is_one_line(tmp_path):
    proc = run_tool(
        'train.py',
        DEMO,
        '--work-dir',
        tmp_path,
        '--cfg-options',
        *QUICK,
        'model.head.num_classes=3',
        check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: the model head has num_classes=3 but the dataset has 4 classes "
        "['marsh', 'pebbles', 'ripples', 'water']; set model.head.num_classes=4 "
        "(or fix `classes`)")


def test_balanced_class_weight_switch(tmp_path):
    # every training image (the first 16 are all of one class), 1 epoch
    options = [o for o in QUICK if not o.startswith('train_dataloader.dataset.indices')]
    out = run_tool('train.py', DEMO, '--work-dir', tmp_path, '--verbose', '--cfg-options', *options,
                   'model.head.loss.type=BalancedCrossEntropyLoss')
    # the demo training split is balanced: 60 images a class
    assert ('balanced class weights: marsh=1.000, pebbles=1.000, ripples=1.000, '
            'water=1.000') in out.stdout + out.stderr
