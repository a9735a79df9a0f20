"""Value-mapped masks (with JPEG noise), their errors, and Dice/IoU per class."""
import io

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from PIL import Image

from custom_modules.errors import ZooError
from custom_modules.imseg.datasets import (LoadValueMapAnnotations, MaskFolderDataset,
                                           decode_value_map, one_vs_rest)
from custom_modules.imseg.metrics import SegReport

OBX = {63: 0, 128: 1, 191: 2, 255: 3}


def jpeg_roundtrip(mask, quality=75):
    buf = io.BytesIO()
    Image.fromarray(mask).save(buf, format='JPEG', quality=quality)
    return np.asarray(Image.open(buf))


def obx_mask():
    mask = np.full((64, 64), 63, np.uint8)  # bands not on JPEG's 8x8 blocks
    mask[13:, :] = 128
    mask[29:, :] = 191
    mask[45:, :] = 255
    return mask


def test_value_map_with_jpeg_noise():
    noisy = jpeg_roundtrip(obx_mask())
    assert not np.array_equal(noisy, obx_mask())  # JPEG did change values
    labels = decode_value_map(noisy, OBX, tolerance=9)
    expected = decode_value_map(obx_mask(), OBX)
    assert (labels == expected).mean() > 0.99
    assert one_vs_rest(labels, 3).sum() == (labels == 3).sum()


def test_values_outside_the_map_are_named():
    mask = obx_mask()
    mask[0, :3] = [100, 101, 100]
    with pytest.raises(
            ZooError,
            match=r'm.png: 3 pixels have values \[100, 101\] outside the '
            r'value map \[63, 128, 191, 255\] \(tolerance \+-9\)'):
        decode_value_map(mask, OBX, tolerance=9, source='m.png')


def write_pair(root, name, mask, size=None):
    (root / 'img').mkdir(parents=True, exist_ok=True)
    (root / 'ann').mkdir(parents=True, exist_ok=True)
    h, w = size or mask.shape
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(root / 'img' / f'{name}.png')
    Image.fromarray(mask).save(root / 'ann' / f'{name}.png')


def dataset(root, **kwargs):
    init_default_scope('mmseg')
    return MaskFolderDataset(
        data_root=str(root),
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        metainfo=dict(classes=('deep', 'white', 'shallow', 'sand')),
        value_map=OBX,
        tolerance=9,
        **kwargs)


def test_dataset_checks_values_and_sizes_up_front(tmp_path):
    write_pair(tmp_path, 'good', obx_mask())
    bad = obx_mask()
    bad[5, 5] = 20
    write_pair(tmp_path, 'odd', bad)
    write_pair(tmp_path, 'small', obx_mask(), size=(32, 64))
    with pytest.raises(ZooError) as err:
        dataset(tmp_path)
    message = str(err.value)
    assert message.startswith("2 bad image/mask pair(s); fix or remove them, or skip them with "
                              "the dataset option on_bad='skip':")
    assert 'ann/odd.png: 1 pixels have values [20] outside the value map' in message
    assert 'ann/small.png: mask is 64x64 but its image' in message and 'is 64x32' in message


def test_loader_gives_binary_labels(tmp_path):
    write_pair(tmp_path, 'good', jpeg_roundtrip(obx_mask()))
    ds = dataset(
        tmp_path,
        binary_class=3,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadValueMapAnnotations')])
    labels = ds[0]['gt_seg_map']
    assert set(np.unique(labels)) == {0, 1}
    assert (labels[45:] == 1).mean() > 0.99 and (labels[:45] == 0).mean() > 0.99


def test_a_fraction_of_the_masks_is_kept_the_rest_unlabelled(tmp_path, capsys):
    """labelled_fraction: a seeded tenth of the images keep their masks; the others read
    as 255 everywhere (a semi-supervised segmentor's unlabelled images) or, for the
    supervised baseline on the same masks, are left out."""
    for i in range(20):
        write_pair(tmp_path, f'{i:02d}', obx_mask())
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadValueMapAnnotations')]
    both = dataset(tmp_path, labelled_fraction=0.1, split_seed=3, pipeline=pipeline)
    kept = [i for i in range(20) if both.get_data_info(i)['seg_map_path'] is not None]
    assert len(both) == 20 and len(kept) == 2
    for i in range(20):
        labels = both[i]['gt_seg_map']
        assert (labels == 255).all() != (i in kept)
    labelled = dataset(tmp_path, labelled_fraction=0.1, split_seed=3, part='labelled')
    assert [d['img_path'] for d in labelled.load_data_list()
            ] == [both.get_data_info(i)['img_path'] for i in kept]
    assert kept != [
        i for i, d in enumerate(
            dataset(tmp_path, labelled_fraction=0.1, split_seed=4).load_data_list())
        if d['seg_map_path']
    ]
    assert 'ann: the masks of 2 of 20 images kept (labelled_fraction=0.1, split_seed=3), the ' \
        'others unlabelled' in capsys.readouterr().out
    with pytest.raises(ZooError, match=r"part='test'; use 'both' or 'labelled'"):
        dataset(tmp_path, part='test')


def test_a_folder_of_images_alone_is_unlabelled(tmp_path):
    write_pair(tmp_path, 'a', obx_mask(), size=(32, 48))
    init_default_scope('mmseg')
    images = MaskFolderDataset(
        data_root=str(tmp_path),
        img_suffix='.png',
        data_prefix=dict(img_path='img'),
        metainfo=dict(classes=('water', 'sand')),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadValueMapAnnotations')])
    labels = images[0]['gt_seg_map']
    assert labels.shape == (32, 48) and (labels == 255).all()


def test_loader_rejects_mask_of_another_size(tmp_path):
    write_pair(tmp_path, 'a', obx_mask())
    results = dict(
        seg_map_path=str(tmp_path / 'ann' / 'a.png'),
        img_path='a.png',
        img=np.zeros((32, 64, 3), np.uint8),
        value_map=OBX,
        tolerance=9)
    with pytest.raises(ZooError, match=r'a.png: mask size \(64, 64\) differs from its image'):
        LoadValueMapAnnotations()(results)


def test_seg_report_against_hand_computed():
    metric = SegReport()
    metric.dataset_meta = dict(classes=('water', 'sand'))
    pred = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 1]])
    truth = torch.tensor([[0, 0, 0, 1], [0, 0, 1, 1]])
    metric.process({},
                   [dict(pred_sem_seg=dict(data=pred[None]), gt_sem_seg=dict(data=truth[None]))])
    out = metric.evaluate(1)
    # sand: predicted 5, true 3, overlap 3 -> IoU 3/5, Dice 6/8; water: pred 3, true 5, overlap 3
    assert out['IoU/sand'] == pytest.approx(60.0)
    assert out['Dice/sand'] == pytest.approx(75.0)
    assert out['IoU/water'] == pytest.approx(60.0)
    assert out['mIoU'] == pytest.approx(60.0)


def encoded(array, fmt):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def test_tfrecord_pairs_with_value_map(tmp_path, monkeypatch):
    from custom_modules.datasets.tfrecord import write_examples
    from custom_modules.imseg.datasets import TFRecordSegDataset
    image = np.zeros((64, 64, 3), np.uint8)
    write_examples(tmp_path / 'obx-0.tfrec', [{
        'image': encoded(image, 'JPEG'),
        'label': encoded(obx_mask(), 'JPEG')
    }] * 2)
    init_default_scope('mmseg')
    ds = TFRecordSegDataset(
        shards='obx-*.tfrec',
        data_root=str(tmp_path),
        value_map=OBX,
        tolerance=9,
        metainfo=dict(classes=('a', 'b', 'c', 'd')),
        pipeline=[dict(type='LoadPairFromBytes')])
    assert len(ds) == 2
    labels = ds[0]['gt_seg_map']
    assert (labels == decode_value_map(obx_mask(), OBX)).mean() > 0.99
    bad = obx_mask()
    bad[:, :5] = 20
    write_examples(tmp_path / 'obx-1.tfrec', [{
        'image': encoded(image, 'PNG'),
        'label': encoded(bad, 'PNG')
    }])
    options = dict(
        shards='obx-*.tfrec',
        data_root=str(tmp_path),
        value_map=OBX,
        tolerance=9,
        metainfo=dict(classes=('a', 'b', 'c', 'd')))
    with pytest.raises(ZooError, match=r'obx-1.tfrec record 0: 320 pixels have values \[20\]'):
        TFRecordSegDataset(**options)
    monkeypatch.chdir(tmp_path)  # skipped_samples.txt goes to the log folder ('.' here)
    assert len(TFRecordSegDataset(on_bad='skip', **options)) == 2  # the bad record left out
    assert 'obx-1.tfrec record 0: 320 pixels' in (tmp_path / 'skipped_samples.txt').read_text()
