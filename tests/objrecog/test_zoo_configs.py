"""The course RetinaNet config trains an iteration on frames in the course's CSV layout."""
import csv
import json
import os

import numpy as np
from PIL import Image

from zoo_test_utils import cache_as_published, one_epoch, run_tool

CONFIG = 'configs/objrecog/retinanet_r50-fpn_1xb8-50e_secoora-person-800.py'
FEW = one_epoch(batch_size=1, val_batch_size=1)


def coco_retinanet_checkpoint(torch_home, monkeypatch):
    """mmdet's COCO RetinaNet R-50 FPN (its layers, random weights) where the config's
    ``load_from`` URL is cached."""
    import torch
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    monkeypatch.setenv('TORCH_HOME', str(torch_home))
    init_default_scope('mmdet')
    import mmdet
    stock_cfg = os.path.join(
        os.path.dirname(mmdet.__file__), '.mim/configs/_base_/models/retinanet_r50_fpn.py')
    stock = MODELS.build(Config.fromfile(stock_cfg).model)
    made = os.path.join(torch_home, 'made.pth')
    os.makedirs(torch_home, exist_ok=True)
    torch.save(dict(state_dict=stock.state_dict(), meta={}), made)
    return cache_as_published(made, Config.fromfile(CONFIG).load_from)


def test_secoora_config_trains_on_course_csv(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    (data / 'images').mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, names in (('train', ['f0.jpg', 'f1.jpg']), ('val', ['f2.jpg'])):
        with open(data / f'{split}.csv', 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(
                ['filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax'])
            for name in names:
                Image.fromarray(rng.integers(0, 255, (360, 640, 3),
                                             dtype=np.uint8)).save(data / 'images' / name)
                writer.writerow([name, 640, 360, 'person', 100, 120, 130, 200])
            writer.writerow(['empty.jpg', 640, 360, '', '', '', '', ''])
        Image.fromarray(np.zeros((360, 640, 3), np.uint8)).save(data / 'images' / 'empty.jpg')
    options = [
        f'{loader}.dataset.data_root={data}/' for loader in ('train_dataloader', 'val_dataloader')
    ]
    options.append(f'load_from={coco_retinanet_checkpoint(tmp_path / "torch", monkeypatch)}')
    out = run_tool(
        'train.py',
        CONFIG,
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        *FEW,
        *options,
        env=dict(TORCH_HOME=str(tmp_path / 'torch')),
        timeout=900)
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()
    # started from the COCO weights: all but the 80-class classifier
    console = out.stdout + out.stderr
    assert 'tensors of the model keep their initial values (fine-tuning)' in console
    assert 'bbox_head.retina_cls.weight: [720, 256, 3, 3] in the checkpoint' in console
    scalars = next((tmp_path / 'work').rglob('scalars.json')).read_text().splitlines()
    val = json.loads(scalars[-1])
    assert {'coco/bbox_mAP', 'count/mae'} <= set(val)
    assert val['count/mae'] >= 0
