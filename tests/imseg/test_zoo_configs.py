"""Every imseg zoo config trains an iteration and evaluates on masks in its own layout."""
import json

import numpy as np
import pytest
from PIL import Image

from zoo_test_utils import one_epoch, run_tool

FEW = one_epoch(batch_size=1)
CASES = {  # config: (image size, mask values, metric key)
    'unet-6l_1xb4-50e_obx-4class-768': (800, [63, 128, 191, 255], 'IoU/dry_sand'),
    'unet-6l_1xb4-50e_obx-binary-768': (800, [63, 128, 191, 255], 'Dice/dry_sand'),
    'unet-6l_1xb2-50e_oysternet-binary-1000': (1000, [0, 255], 'Dice/reef'),
    'unet-6l_1xb4-50e_obx-tfrecord-768': (800, [63, 128, 191, 255], 'IoU/dry_sand'),
}


def as_tfrecords(root):
    """The image/mask folders of ``root`` as the course's TFRecord shards, in place."""
    from custom_modules.datasets.tfrecord import write_examples
    for split in ('train', 'val'):
        write_examples(root / f'{split}-000.tfrec', [{
            'image': (root / 'images' / split / 'a.jpg').read_bytes(),
            'label': (root / 'masks' / split / 'a.jpg').read_bytes()
        }])


@pytest.mark.parametrize('name', sorted(CASES))
def test_zoo_config_trains_on_its_layout(name, tmp_path):
    size, values, key = CASES[name]
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for folder in ('images', 'masks'):
            (tmp_path / 'data' / folder / split).mkdir(parents=True)
        img = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        mask = np.array(values, np.uint8)[np.arange(size) * len(values) // size][:, None]
        Image.fromarray(img).save(tmp_path / 'data' / 'images' / split / 'a.jpg')
        Image.fromarray(mask.repeat(size, 1)).save(
            tmp_path / 'data' / 'masks' / split / 'a.jpg', quality=90)
    if 'tfrecord' in name:
        as_tfrecords(tmp_path / 'data')
    options = [
        f'{loader}.dataset.data_root={tmp_path / "data"}'
        for loader in ('train_dataloader', 'val_dataloader')
    ]
    run_tool(
        'train.py',
        f'configs/imseg/{name}.py',
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        *FEW,
        *options,
        timeout=900)
    scalars = next((tmp_path / 'work').rglob('scalars.json')).read_text().splitlines()
    assert key in json.loads(scalars[-1])
