"""One policy for bad data in every family's reader: stop before training naming the
files, or (on_bad='skip') leave them out, say how many and list them; and bad options
or paths end in one line before any training."""
import csv
import json
import sys

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

import custom_modules.datasets.bad_samples as bad_samples
from custom_modules.errors import ZooError
from custom_modules.run_folder import writing_to
from zoo_test_utils import DEMO_CONFIGS, run


def write_image(path, size=(48, 64), value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*size, 3), value, np.uint8)).save(path)


def write_corrupt(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'\x89PNG\r\n\x1a\n cut short')


@pytest.fixture
def skipped_list(tmp_path):
    """Where on_bad='skip' lists the skipped files (the run's log folder)."""
    with writing_to(str(tmp_path / 'log')):
        yield tmp_path / 'log' / 'skipped_samples.txt'


def test_unknown_policy_is_named():
    with pytest.raises(ZooError, match="on_bad='ignore'; use 'error'"):
        bad_samples.check_on_bad('ignore')


# --- imrecog / ssimrecog -------------------------------------------------------------


def test_imrecog_skips_corrupt_images_and_lists_them(tmp_path, skipped_list):
    from custom_modules.imrecog.datasets import ImageFolderDataset
    write_image(tmp_path / 'train/sand/good.png')
    write_corrupt(tmp_path / 'train/sand/bad.png')
    kw = dict(data_root=str(tmp_path), data_prefix='train', classes=('sand', ))
    with pytest.raises(ZooError, match=r"(?s)1 unreadable image\(s\).*on_bad='skip'.*bad.png"):
        ImageFolderDataset(**kw)
    ds = ImageFolderDataset(on_bad='skip', **kw)
    assert [ds.get_data_info(i)['img_path'][-8:] for i in range(len(ds))] == ['good.png']
    assert 'train/sand/bad.png: ' in skipped_list.read_text()


def test_truncated_jpeg_with_a_valid_header_is_caught_up_front(tmp_path, skipped_list):
    from custom_modules.imrecog.datasets import ImageFolderDataset
    noise = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / 'whole.jpg')
    data = (tmp_path / 'whole.jpg').read_bytes()
    (tmp_path / 'train/sand').mkdir(parents=True)
    (tmp_path / 'train/sand/whole.jpg').write_bytes(data)
    (tmp_path / 'train/sand/cut.jpg').write_bytes(data[:len(data) * 2 // 3])  # header intact
    kw = dict(data_root=str(tmp_path), data_prefix='train', classes=('sand', ))
    with pytest.raises(
            ZooError,
            match=r'(?s)1 unreadable image\(s\).*cut.jpg: truncated: the JPEG '
            r'file has no end marker'):
        ImageFolderDataset(**kw)
    assert len(ImageFolderDataset(on_bad='skip', **kw)) == 1


def test_imrecog_all_images_bad_is_still_an_error(tmp_path, skipped_list):
    from custom_modules.imrecog.datasets import ImageFolderDataset
    write_corrupt(tmp_path / 'train/sand/bad.png')
    with pytest.raises(ZooError, match='no images found in'):
        ImageFolderDataset(
            data_root=str(tmp_path), data_prefix='train', classes=('sand', ), on_bad='skip')


RESIZE = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(64, 64))]


def folder_dataset(tmp_path, **kwargs):
    from custom_modules.imrecog.datasets import ImageFolderDataset
    return ImageFolderDataset(
        data_root=str(tmp_path), data_prefix='train', classes=('sand', 'water'), **kwargs)


def test_imrecog_mixed_sizes_without_a_resize_are_refused(tmp_path):
    write_image(tmp_path / 'train/sand/a.png', size=(64, 64))
    write_image(tmp_path / 'train/water/b.png', size=(480, 640))
    with pytest.raises(
            ZooError,
            match=r'train: the images are 640x480, 64x64 and the pipeline '
            'does not resize them: they would be zero-padded to the largest in each '
            r"batch; add dict\(type='Resize', scale=\(S, S\)\) after "
            'LoadImageFromFile'):
        folder_dataset(tmp_path)
    assert len(folder_dataset(tmp_path, pipeline=RESIZE)) == 2


def test_imrecog_tiny_images_are_named_or_skipped(tmp_path, skipped_list):
    write_image(tmp_path / 'train/sand/a.png')
    write_image(tmp_path / 'train/water/dot.png', size=(1, 1))
    with pytest.raises(
            ZooError,
            match=r'(?s)1 too small image\(s\).*dot.png: the image is 1x1, '
            'smaller than 4 pixels a side'):
        folder_dataset(tmp_path, pipeline=RESIZE)
    assert len(folder_dataset(tmp_path, pipeline=RESIZE, on_bad='skip')) == 1


def test_imrecog_nested_folders_and_empty_classes_are_said(tmp_path, monkeypatch):
    import custom_modules.imrecog.datasets as datasets
    warnings = []
    monkeypatch.setattr(datasets, 'warn', warnings.append)
    write_image(tmp_path / 'train/sand/a.png')
    write_image(tmp_path / 'train/sand/old/b.png')
    (tmp_path / 'train/water').mkdir()
    assert len(folder_dataset(tmp_path)) == 2
    assert warnings == [
        f'{tmp_path}/train: 1 image(s) in sub-folders of class folders count as their class '
        "folder's class, e.g. sand/old/b.png; move them if that is not meant",
        f"{tmp_path}/train: no images for the class(es) ['water']: a class without images in "
        'this split is never learned (train) or never measured (val)'
    ]


def test_ssimrecog_skips_corrupt_unlabelled_images(tmp_path, skipped_list):
    from custom_modules.ssimrecog.datasets import UnlabelledImageFolder
    write_image(tmp_path / 'unl/a.png')
    write_corrupt(tmp_path / 'unl/b.png')
    ds = UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl', on_bad='skip')
    assert len(ds) == 1 and 'unl/b.png' in skipped_list.read_text()


@pytest.mark.parametrize('kwargs, message', [
    (dict(labels_per_class=3), r'class 0 has 2 images, fewer than labels_per_class=3'),
    (dict(labels_per_class=2), r'every image is labelled in this split'),
    (dict(labelled_fraction=1.5), r'labelled_fraction=1.5 must be in \(0, 1\]'),
    (dict(labels_per_class=1, part='test'), r"part='test'; use 'both', 'labelled' or 'unlabelled'"),
])
def test_ssimrecog_bad_splits_are_named(tmp_path, kwargs, message):
    from custom_modules.ssimrecog.datasets import ImageFolderSplit
    for i in range(2):
        write_image(tmp_path / f'train/sand/{i}.png')
    kwargs.setdefault('part', 'unlabelled')
    with pytest.raises(ZooError, match=message):
        ImageFolderSplit(data_root=str(tmp_path), data_prefix='train', classes=('sand', ), **kwargs)


def test_ssimrecog_bad_truth_file_line_is_named(tmp_path):
    from custom_modules.ssimrecog.datasets import UnlabelledImageFolder
    write_image(tmp_path / 'unl/a.png')
    (tmp_path / 'truth.txt').write_text('a.png sand\n')
    with pytest.raises(ZooError, match=r'truth.txt line 1: expected "<image path> <class index>"'):
        UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl', truth_file='truth.txt')


# --- objrecog ------------------------------------------------------------------------


def write_csv(path, rows):
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(
            [['filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax'], *rows])


def csv_dataset(root, **kwargs):
    init_default_scope('mmdet')
    from custom_modules.objrecog.datasets import CourseCSVDataset
    return CourseCSVDataset(
        ann_file='boxes.csv', data_root=str(root), data_prefix=dict(img=''), **kwargs)


def test_objrecog_corrupt_and_missing_images_skipped(tmp_path, skipped_list):
    write_csv(tmp_path / 'boxes.csv',
              [['a.jpg', 64, 48, 'person', 1, 2, 11, 22], ['b.jpg', 64, 48, 'person', 1, 2, 11, 22],
               ['c.jpg', 64, 48, 'person', 1, 2, 11, 22]])
    write_image(tmp_path / 'a.jpg')
    write_corrupt(tmp_path / 'b.jpg')
    with pytest.raises(ZooError, match=r'(?s)image\(s\) listed in .*boxes.csv not found.*c.jpg'):
        csv_dataset(tmp_path)
    ds = csv_dataset(tmp_path, on_bad='skip')
    assert [ds.get_data_info(i)['img_path'][-5:] for i in range(len(ds))] == ['a.jpg']
    listed = skipped_list.read_text()
    assert 'c.jpg: not found' in listed and 'b.jpg: ' in listed


def test_objrecog_corrupt_image_is_named(tmp_path):
    write_csv(tmp_path / 'boxes.csv', [['b.jpg', 64, 48, 'person', 1, 2, 11, 22]])
    write_corrupt(tmp_path / 'b.jpg')
    with pytest.raises(
            ZooError, match=r'(?s)1 unreadable image\(s\).*b.jpg: UnidentifiedImageError'):
        csv_dataset(tmp_path)


@pytest.mark.parametrize('rows, message', [
    ([['a.jpg', 64, 48, 'person', 1, 2, 11, 22], ['a.jpg', 32, 48, 'person', 1, 2, 11, 22]
      ], r'line 3: a.jpg is 32x48 here but'),
    ([], r'boxes.csv lists no images'),
])
def test_objrecog_inconsistent_or_empty_csv(tmp_path, rows, message):
    write_csv(tmp_path / 'boxes.csv', rows)
    with pytest.raises(ZooError, match=message):
        csv_dataset(tmp_path)


def test_objrecog_csv_sizes_are_checked_against_the_images(tmp_path, skipped_list):
    # a.jpg is 64x48 as listed; b.jpg is listed smaller than it is (misplaced boxes) and
    # c.jpg larger (boxes beyond the image: an infinite loss) on two rows
    write_csv(tmp_path / 'boxes.csv',
              [['a.jpg', 64, 48, 'person', 1, 2, 11, 22], ['b.jpg', 32, 24, 'person', 1, 2, 11, 22],
               ['c.jpg', 640, 480, 'person', 1, 2, 11, 22],
               ['c.jpg', 640, 480, 'person', 100, 200, 300, 400]])
    for name in ('a.jpg', 'b.jpg', 'c.jpg'):
        write_image(tmp_path / name)
    with pytest.raises(ZooError) as err:
        csv_dataset(tmp_path)
    assert str(err.value).splitlines()[1:] == [
        f'  {tmp_path}/b.jpg: boxes.csv says 32x24 (line 3) but the image is 64x48; fix its '
        'width and height',
        f'  {tmp_path}/c.jpg: boxes.csv says 640x480 (lines 4, 5) but the image is 64x48; fix '
        'its width and height'
    ]
    assert len(csv_dataset(tmp_path, on_bad='skip')) == 1


def test_objrecog_csv_size_follows_exif_orientation(tmp_path):
    """A phone picture stored 64x48 with EXIF "rotate 90" is 48x64 once decoded."""
    write_csv(tmp_path / 'boxes.csv', [['a.jpg', 48, 64, 'person', 1, 2, 11, 22]])
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / 'a.jpg', exif=exif)
    assert len(csv_dataset(tmp_path)) == 1


def test_objrecog_csv_with_a_byte_order_mark_reads_its_header(tmp_path):
    write_csv(tmp_path / 'boxes.csv', [['a.jpg', 64, 48, 'person', 1, 2, 11, 22]])
    text = (tmp_path / 'boxes.csv').read_text()
    (tmp_path / 'boxes.csv').write_text(text, encoding='utf-8-sig')  # Excel's "CSV UTF-8"
    write_image(tmp_path / 'a.jpg')
    assert len(csv_dataset(tmp_path)) == 1


def test_objrecog_csv_not_in_utf8_names_the_line(tmp_path):
    write_csv(tmp_path / 'boxes.csv', [['a.jpg', 64, 48, 'person', 1, 2, 11, 22]])
    with open(tmp_path / 'boxes.csv', 'ab') as f:
        f.write('plage_été.jpg,64,48,person,1,2,11,22\r\n'.encode('latin-1'))
    with pytest.raises(
            ZooError,
            match=r"boxes.csv, line 3: not UTF-8 text \(b'plage_\\xe9t\\xe9"
            r".jpg,64,48,person,1,2,11,22'\); save the CSV as UTF-8"):
        csv_dataset(tmp_path)


def test_objrecog_repeated_rows_are_left_out_with_a_warning(tmp_path, monkeypatch):
    import custom_modules.objrecog.datasets as datasets
    warnings = []
    monkeypatch.setattr(datasets, 'print_log', lambda message, **kw: warnings.append(message))
    row = ['a.jpg', 64, 48, 'person', 1, 2, 11, 22]
    write_csv(tmp_path / 'boxes.csv', [row, ['a.jpg', 64, 48, 'person', 5, 5, 20, 20], row, row])
    write_image(tmp_path / 'a.jpg')
    ds = csv_dataset(tmp_path)
    assert len(ds.get_data_info(0)['instances']) == 2
    assert warnings == [
        f'{tmp_path}/boxes.csv: 2 repeated row(s) left out (a repeated box would be counted '
        'twice): line 4 repeats line 2; line 5 repeats line 2'
    ]


def coco_dataset(root, coco, **kwargs):
    init_default_scope('mmdet')
    from custom_modules.objrecog.datasets import CheckedCocoDataset
    (root / 'coco.json').write_text(json.dumps(coco))
    return CheckedCocoDataset(
        ann_file='coco.json',
        data_root=str(root),
        data_prefix=dict(img=''),
        metainfo=dict(classes=('person', 'dog')),
        **kwargs)


def coco_file(boxes=((1, 'a.jpg', 2, [1, 2, 10, 20]), ), categories=((1, 'dog'), (2, 'person'))):
    images = [
        dict(id=1, file_name='a.jpg', width=64, height=48),
        dict(id=2, file_name='b.jpg', width=64, height=48)
    ]
    return dict(
        images=images,
        annotations=[
            dict(
                id=i,
                image_id=1 if f == 'a.jpg' else 2,
                category_id=c,
                bbox=b,
                area=b[2] * b[3],
                iscrowd=0) for i, f, c, b in boxes
        ],
        categories=[dict(id=i, name=n) for i, n in categories])


def test_objrecog_coco_labels_follow_the_classes_and_negatives_are_kept(tmp_path):
    write_image(tmp_path / 'a.jpg')
    write_image(tmp_path / 'b.jpg')
    # the file numbers dog before person; the classes say person first: a person is 0
    ds = coco_dataset(tmp_path, coco_file())
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [len(i['instances']) for i in infos] == [1, 0]
    assert infos[0]['instances'][0]['bbox_label'] == 0
    assert infos[0]['instances'][0]['bbox'] == [1, 2, 11, 22]


@pytest.mark.parametrize('coco, message', [
    (dict(images=[]), r'coco.json is not a COCO detection file: no list annotations, categories'),
    (coco_file(
        boxes=((1, 'a.jpg', 3, [1, 2, 10, 20]), ),
        categories=((1, 'dog'), (2, 'person'), (3, 'cat'))),
     r"categories \['cat'\] \(1 boxes\) are not in metainfo.classes \['person', 'dog'\]: "
     'their boxes would be dropped silently'),
    (coco_file(categories=((2, 'person'), )), r"classes \['dog'\] are not categories of the file"),
    (coco_file(boxes=((7, 'a.jpg', 2, [60, 2, 10, 20]), )),
     r'1 box\(es\) empty or outside their image, e.g. annotation 7: box \[60, 2, 10, 20\] in '
     'the 64x48 image a.jpg'),
])
def test_objrecog_coco_files_are_checked_up_front(tmp_path, coco, message):
    write_image(tmp_path / 'a.jpg')
    write_image(tmp_path / 'b.jpg')
    with pytest.raises(ZooError, match=message):
        coco_dataset(tmp_path, coco)


def test_objrecog_coco_images_missing_or_of_another_size(tmp_path, skipped_list):
    write_image(tmp_path / 'a.jpg', size=(96, 128))  # the file says 64x48
    with pytest.raises(ZooError, match=r'(?s)1 image\(s\) listed in .*coco.json not found.*b.jpg'):
        coco_dataset(tmp_path, coco_file())
    write_image(tmp_path / 'b.jpg')
    with pytest.raises(
            ZooError,
            match=r'a.jpg: coco.json says 64x48 but the image is 128x96; fix '
            'its width and height'):
        coco_dataset(tmp_path, coco_file())
    assert len(coco_dataset(tmp_path, coco_file(), on_bad='skip')) == 1  # b.jpg, a negative


def test_objrecog_missing_csv_is_named(tmp_path):
    with pytest.raises(ZooError, match=r'annotation CSV not found: .*boxes.csv'):
        csv_dataset(tmp_path)


# --- imseg ---------------------------------------------------------------------------


def mask_dataset(root, **kwargs):
    init_default_scope('mmseg')
    from custom_modules.imseg.datasets import MaskFolderDataset
    options = dict(
        data_root=str(root),
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        metainfo=dict(classes=('water', 'sand')))
    return MaskFolderDataset(**{**options, **kwargs})


def write_mask(path, size=(48, 64), value=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, value, np.uint8)).save(path)


def test_imseg_bad_pairs_skipped_and_listed(tmp_path, skipped_list):
    write_image(tmp_path / 'img/good.png')
    write_mask(tmp_path / 'ann/good.png')
    write_image(tmp_path / 'img/corrupt.png')
    write_corrupt(tmp_path / 'ann/corrupt.png')
    write_image(tmp_path / 'img/nomask.png')
    with pytest.raises(ZooError, match=r'(?s)2 bad image/mask pair\(s\)'):
        mask_dataset(tmp_path)
    ds = mask_dataset(tmp_path, on_bad='skip')
    assert [ds.get_data_info(i)['img_path'][-8:] for i in range(len(ds))] == ['good.png']
    listed = skipped_list.read_text()
    assert 'img/corrupt.png' in listed and 'img/nomask.png' in listed


def test_imseg_empty_image_folder_is_named(tmp_path):
    (tmp_path / 'img').mkdir()
    (tmp_path / 'ann').mkdir()
    with pytest.raises(ZooError, match=r"no images found in .*img \(suffix '.png'\)"):
        mask_dataset(tmp_path)


def test_imseg_mask_values_outside_binary_classes(tmp_path):
    write_image(tmp_path / 'img/a.png')
    write_mask(tmp_path / 'ann/a.png', value=7)
    with pytest.raises(
            ZooError,
            match=r"ann/a.png: 3072 pixels have class indices \[7\] but "
            r"there are 2 classes \['water', 'sand'\]; give a value_map"):
        mask_dataset(tmp_path)


def mask_labels(ds, index=0):
    """The class indices the pipeline's mask loader makes of sample ``index``."""
    from custom_modules.imseg.datasets import LoadValueMapAnnotations
    return LoadValueMapAnnotations()(ds.get_data_info(index))['gt_seg_map']


def write_halves(path, low, high, suffix='.png', size=(48, 64), split=32):
    """A mask (grey, or RGB for 3-tuples): ``low`` left of column ``split``, ``high`` from it."""
    mask = np.zeros((*size, *np.shape(low)), np.uint8)
    mask[:, :split], mask[:, split:] = low, high
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask).save(path.with_suffix(suffix), quality=75)


def test_imseg_binary_masks_saved_as_0_255_are_refused_naming_the_value_map(tmp_path):
    write_image(tmp_path / 'img/a.png')
    write_halves(tmp_path / 'ann/a.png', 0, 255)
    with pytest.raises(
            ZooError,
            match=r'the masks hold the values \[0, 255\] with 2 classes .*'
            r'binary masks saved as 0/255 .*set value_map=\{0: 0, 255: 1\}$'):
        mask_dataset(tmp_path)
    ds = mask_dataset(tmp_path, value_map={0: 0, 255: 1})
    labels = mask_labels(ds)
    assert labels[:, :32].max() == 0 and labels[:, 32:].min() == 1


def test_imseg_jpeg_masks_saved_as_0_255_get_a_tolerance_too(tmp_path):
    write_image(tmp_path / 'img/a.png')
    write_halves(tmp_path / 'ann/a.png', 0, 255, suffix='.jpg', split=29)  # JPEG ringing
    with pytest.raises(ZooError, match=r'set value_map=\{0: 0, 255: 1\}, tolerance=\d+$'):
        mask_dataset(tmp_path, seg_map_suffix='.jpg')


def test_imseg_255_as_ignore_next_to_class_indices_is_kept(tmp_path):
    write_image(tmp_path / 'img/a.png')
    write_halves(tmp_path / 'ann/a.png', 1, 255)
    write_image(tmp_path / 'img/b.png')
    write_halves(tmp_path / 'ann/b.png', 0, 1)
    assert len(mask_dataset(tmp_path)) == 2  # values 0, 1, 255: 255 is "ignore", as meant


def test_imseg_colour_masks_are_refused_or_decoded_by_palette(tmp_path):
    write_image(tmp_path / 'img/a.png')
    write_halves(tmp_path / 'ann/a.png', (0, 0, 255), (255, 200, 0))
    # read as before this check, the first channel (0 and 255) would have been the classes
    with pytest.raises(
            ZooError,
            match=r'a colour mask \(colours \[\(0, 0, 255\), \(255, 200, 0\)\]\) '
            r"and no RGB value_map; decode it by colour with e.g. value_map="
            r"\{'0,0,255': 0, '255,200,0': 1\}"):
        mask_dataset(tmp_path)
    ds = mask_dataset(tmp_path, value_map={'#ffc800': 0, '0,0,255': 1})
    labels = mask_labels(ds)
    assert labels[:, :32].min() == 1 and labels[:, 32:].max() == 0
    with pytest.raises(
            ZooError,
            match=r'1536 pixels have values \[\(255, 200, 0\)\] outside '
            r'the value map \[\(0, 0, 255\), \(1, 2, 3\)\]'):
        mask_dataset(tmp_path, value_map={(0, 0, 255): 0, (1, 2, 3): 1})


# --- options and paths, through the tools ---------------------------------------------


def train(*args):
    return run([sys.executable, 'tools/train.py', *map(str, args)], check=False)


def one_line_error(proc):
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    return proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize('option, message', [
    ('train_cfg.max_epochs=abc', "--cfg-options train_cfg.max_epochs='abc': max_epochs must be a "
     'whole number >= 1'),
    ('optim_wrapper.optimizer.lr=-0.1', '--cfg-options optim_wrapper.optimizer.lr=-0.1: lr must '
     'be a number >= 0'),
    ('train_dataloader.batch_size=0', '--cfg-options train_dataloader.batch_size=0: batch_size '
     'must be a whole number >= 1'),
    ('train_dataloader.dataset.on_bad=ignore', "--cfg-options train_dataloader.dataset.on_bad="
     "'ignore': on_bad must be 'error' or 'skip'"),
])
def test_option_values_are_checked(tmp_path, option, message):
    proc = train(DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, '--cfg-options', option)
    assert one_line_error(proc) == f'error: {message}'


@pytest.mark.parametrize('option, message', [
    ('train_cfg.max_epoch=3', "--cfg-options train_cfg.max_epoch: train_cfg has no key "
     "'max_epoch'; did you mean max_epochs?"),
    ('model.backbon.depth=2', "model has no key 'backbon'; did you mean backbone?"),
    ('custom_hooks.5.type=X', 'custom_hooks is a list of'),
])
def test_misspelt_cfg_options_are_one_line(tmp_path, option, message):
    config = DEMO_CONFIGS['imrecog'] if 'custom_hooks' not in option else \
        'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
    assert message in one_line_error(train(config, '--work-dir', tmp_path, '--cfg-options', option))


def test_a_near_miss_the_type_takes_is_a_new_key_not_a_typo():
    """``save_last`` is close to the config's ``save_best`` but an argument of
    CheckpointHook: it was refused as a misspelling. A real misspelling still is."""
    from mmengine.config import Config

    from custom_modules.cli import check_option_keys, type_parameters
    cfg = Config.fromfile(DEMO_CONFIGS['objrecog']).to_dict()
    check_option_keys(cfg, {'default_hooks.checkpoint.save_last': False})
    # our head in mmdet's registry, with the arguments of its bases (AnchorHead)
    assert {'stacked_convs', 'reg_decoded_bbox'} <= type_parameters('FocalRetinaHead', 'mmdet')
    with pytest.raises(ZooError, match="has no key 'save_lst'; did you mean save_last"):
        check_option_keys(cfg, {'default_hooks.checkpoint.save_lst': False})


@pytest.mark.parametrize('family', sorted(DEMO_CONFIGS))
def test_missing_data_root_is_one_line(tmp_path, family):
    line = one_line_error(
        train(DEMO_CONFIGS[family], '--work-dir', tmp_path, '--cfg-options',
              f'train_dataloader.dataset.data_root={tmp_path}/nowhere'))
    assert line == (f'error: data root not found: {tmp_path}/nowhere (train_dataloader.dataset.'
                    f'data_root); point it at your data with --cfg-options train_dataloader.'
                    f'dataset.data_root=/path/to/data')


def test_unwritable_work_dir_is_one_line(tmp_path):
    (tmp_path / 'a_file').write_text('')
    line = one_line_error(train(DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path / 'a_file/run'))
    assert line.startswith(f'error: work dir {tmp_path}/a_file/run cannot be written (')
    assert line.endswith('choose another with --work-dir')
