"""Image recognition readers: folder per class, the course's flat layout, TFRecords."""
import io
import json

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from custom_modules.datasets.tfrecord import write_examples
from custom_modules.errors import ZooError
from custom_modules.imrecog.datasets import (FlatPrefixDataset, ImageFolderDataset,
                                             LoadImageFromBytes, TFRecordClsDataset)


def write_png(path, value=0, size=8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(path)


def jpeg_bytes(value):
    buf = io.BytesIO()
    Image.fromarray(np.full((6, 10, 3), value, np.uint8)).save(buf, format='JPEG')
    return buf.getvalue()


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_folder_labels_follow_the_class_list_not_folder_order(tmp_path):
    write_png(tmp_path / 'train/sand/a.png')
    write_png(tmp_path / 'train/marsh/b.png')
    ds = ImageFolderDataset(data_root=str(tmp_path), data_prefix='train', classes=('sand', 'marsh'))
    labels = {d['img_path'].split('/')[-2]: d['gt_label'] for d in infos(ds)}
    assert labels == {'sand': 0, 'marsh': 1}


def test_folder_without_class_list_uses_sorted_folders(tmp_path):
    write_png(tmp_path / 'x/b/1.png')
    write_png(tmp_path / 'x/a/2.png')
    ds = ImageFolderDataset(data_root=str(tmp_path), data_prefix='x')
    assert ds.metainfo['classes'] == ('a', 'b')


def test_unknown_class_folder_is_named(tmp_path):
    write_png(tmp_path / 'train/sand/a.png')
    write_png(tmp_path / 'train/rock/b.png')
    with pytest.raises(ZooError, match=r"train/rock/b.png: class 'rock' is not in"):
        ImageFolderDataset(data_root=str(tmp_path), data_prefix='train', classes=('sand', ))


def test_corrupt_image_is_named(tmp_path):
    write_png(tmp_path / 'train/sand/good.png')
    (tmp_path / 'train/sand/bad.png').write_bytes(b'not an image at all')
    with pytest.raises(
            ZooError, match=r'(?s)1 unreadable image.*train/sand/bad.png: UnidentifiedImageError'):
        ImageFolderDataset(data_root=str(tmp_path), data_prefix='train', classes=('sand', ))


def test_empty_split_and_missing_folder(tmp_path):
    (tmp_path / 'train/sand').mkdir(parents=True)
    with pytest.raises(ZooError, match='no images found in'):
        ImageFolderDataset(data_root=str(tmp_path), data_prefix='train', classes=('sand', ))
    with pytest.raises(ZooError, match='data folder not found'):
        ImageFolderDataset(data_root=str(tmp_path), data_prefix='val', classes=('sand', ))


def test_flat_prefix_layout(tmp_path):
    classes = ['gravel_shell_beaches', 'sheltered_solid_manmade']
    (tmp_path / 'classes.json').write_text(json.dumps(classes))
    write_png(tmp_path / 'train/gravel_shell_beaches_IMG_0001.jpg')
    write_png(tmp_path / 'train/sheltered_solid_manmade_IMG_0002.jpg')
    ds = FlatPrefixDataset(
        data_root=str(tmp_path), data_prefix='train', classes_file='classes.json')
    assert ds.metainfo['classes'] == tuple(classes)
    assert sorted(d['gt_label'] for d in infos(ds)) == [0, 1]
    write_png(tmp_path / 'train/salt_marshes_IMG_3.jpg')
    with pytest.raises(ZooError, match="salt_marshes_IMG_3.jpg: class 'salt_marshes'"):
        FlatPrefixDataset(data_root=str(tmp_path), data_prefix='train', classes_file='classes.json')


def test_flat_prefix_bad_classes_file(tmp_path):
    write_png(tmp_path / 'train/a_IMG_1.jpg')
    with pytest.raises(ZooError, match='classes file not found'):
        FlatPrefixDataset(data_root=str(tmp_path), data_prefix='train', classes_file='classes.json')
    (tmp_path / 'classes.json').write_text('{oops')
    with pytest.raises(ZooError, match='is not valid JSON'):
        FlatPrefixDataset(data_root=str(tmp_path), data_prefix='train', classes_file='classes.json')


def test_tfrecord_shard_loads_with_labels(tmp_path):
    init_default_scope('mmpretrain')  # the pipeline's transforms are mmpretrain's
    write_examples(tmp_path / 'train-000.tfrec', [{
        'image': jpeg_bytes(10 * i),
        'class': i % 3
    } for i in range(5)])
    ds = TFRecordClsDataset(
        shards='train-*.tfrec',
        data_root=str(tmp_path),
        classes=('a', 'b', 'c'),
        pipeline=[dict(type='LoadImageFromBytes'),
                  dict(type='PackInputs')])
    assert len(ds) == 5
    assert [int(ds[i]['data_samples'].gt_label) for i in range(5)] == [0, 1, 2, 0, 1]
    assert tuple(ds[0]['inputs'].shape) == (3, 6, 10)


def test_tfrecord_images_of_several_sizes_need_a_resize(tmp_path):
    """Records of 10x6 and 20x6 images with a pipeline that does not resize: zero-padded
    silently before, as the folder datasets were; now the same error as theirs."""
    init_default_scope('mmpretrain')
    wide = io.BytesIO()
    Image.fromarray(np.zeros((6, 20, 3), np.uint8)).save(wide, format='JPEG')
    write_examples(tmp_path / 's.tfrec', [{
        'image': jpeg_bytes(0),
        'class': 0
    }, {
        'image': wide.getvalue(),
        'class': 1
    }])
    kw = dict(shards='s.tfrec', data_root=str(tmp_path), classes=('a', 'b'))
    with pytest.raises(
            ZooError,
            match=r"s.tfrec: the images are 20x6, 10x6 and the pipeline "
            r"does not resize them"):
        TFRecordClsDataset(
            pipeline=[dict(type='LoadImageFromBytes'),
                      dict(type='PackInputs')], **kw)
    resized = TFRecordClsDataset(
        pipeline=[
            dict(type='LoadImageFromBytes'),
            dict(type='Resize', scale=(8, 8)),
            dict(type='PackInputs')
        ],
        **kw)
    assert [tuple(resized[i]['inputs'].shape) for i in range(2)] == [(3, 8, 8)] * 2


def test_tfrecord_label_outside_classes(tmp_path):
    write_examples(tmp_path / 's.tfrec', [{'image': jpeg_bytes(0), 'class': 7}])
    with pytest.raises(ZooError, match=r's.tfrec record 0: class 7 is outside 0..1'):
        TFRecordClsDataset(shards='s.tfrec', data_root=str(tmp_path), classes=('a', 'b'))


def test_tfrecord_records_that_are_not_images_are_named_or_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # skipped_samples.txt goes to the log folder ('.' here)
    write_examples(tmp_path / 's.tfrec', [{
        'image': jpeg_bytes(0),
        'class': 0
    }, {
        'image': b'not an image',
        'class': 1
    }])
    kw = dict(shards='s.tfrec', data_root=str(tmp_path), classes=('a', 'b'))
    with pytest.raises(
            ZooError,
            match=r'(?s)1 unreadable record\(s\).*s.tfrec record 1: '
            'UnidentifiedImageError'):
        TFRecordClsDataset(**kw)
    assert len(TFRecordClsDataset(on_bad='skip', **kw)) == 1
    assert 's.tfrec record 1: UnidentifiedImageError' in (tmp_path /
                                                          'skipped_samples.txt').read_text()


def test_tfrecord_garbage_file(tmp_path):
    (tmp_path / 's.tfrec').write_bytes(b'\x00' * 40)
    with pytest.raises(ZooError, match='bad length checksum'):
        TFRecordClsDataset(shards='s.tfrec', data_root=str(tmp_path), classes=('a', ))


def test_undecodable_bytes_are_named():
    with pytest.raises(ZooError, match='shard.tfrec record 3: image bytes do not decode'):
        LoadImageFromBytes()(dict(img_bytes=b'nope', img_path='shard.tfrec record 3'))


def test_sklearn_digits_converter_writes_stratified_splits(tmp_path):
    """Real scans from scikit-learn (no download), a folder per class, every class in
    every split in the same shares."""
    import sys

    from zoo_test_utils import REPO
    sys.path.insert(0, str(REPO / 'tools' / 'dataset_converters'))
    import sklearn_digits
    sklearn_digits.convert(str(tmp_path), size=16)
    counts = {
        split: {
            d.name: len(list(d.iterdir()))
            for d in (tmp_path / split).iterdir()
        }
        for split in ('train', 'val', 'test')
    }
    assert {s: sum(c.values()) for s, c in counts.items()} == dict(train=1078, val=359, test=360)
    assert all(set(c) == set('0123456789') for c in counts.values())
    assert all(abs(c['0'] / sum(c.values()) - 0.1) < 0.01 for c in counts.values())
    from PIL import Image
    image = Image.open(next((tmp_path / 'test' / '7').iterdir()))
    assert image.size == (16, 16) and image.mode == 'RGB'
