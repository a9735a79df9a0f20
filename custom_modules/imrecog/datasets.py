"""Image recognition datasets: folder per class, the course's flat layout, TFRecord shards.

Every reader checks its data before training starts and raises :class:`ZooError` naming
the file and the fix: an unknown class, an empty split, a file that is not an image.
"""
import json
import logging
import os
import os.path as osp

from mmengine.logging import print_log
from mmpretrain.datasets import BaseDataset, CustomDataset
from mmpretrain.registry import DATASETS, TRANSFORMS

from ..datasets import raster_transforms  # noqa: F401 (registers LoadRasterWindow)
from ..datasets.bad_samples import LoadErrorsMixin, check_images, check_on_bad
from ..datasets.image_files import IMAGE_EXTENSIONS, decode_image, find_images
from ..datasets.rasters import RasterSamplesMixin
from ..datasets.tfrecord import read_examples, shard_paths
from ..errors import ZooError


def _readable_samples(data_list, where, on_bad, pipeline):
    """``data_list`` checked for emptiness, unreadable and tiny images (skipped or an
    error), and for sizes the ``pipeline`` would pad silently (an error)."""
    _require_samples(data_list, where)
    return _require_samples(check_images(data_list, on_bad, pipeline, where), where)


def warn(message):
    print_log(message, logger='current', level=logging.WARNING)


def _class_index(classes, name, source):
    try:
        return classes.index(name)
    except ValueError:
        raise ZooError(f'{source}: class {name!r} is not in the class list {list(classes)}; '
                       'add it to `classes` or remove the file') from None


def _require_classes(dataset):
    if not dataset.metainfo.get('classes'):
        raise ZooError(f'{type(dataset).__name__}: give the class list (`classes=` or '
                       '`classes_file=`)')
    return list(dataset.metainfo['classes'])


def _require_samples(data_list, where):
    if not data_list:
        raise ZooError(f'no images found in {where}; check the data root and split '
                       f'(image extensions: {", ".join(IMAGE_EXTENSIONS)})')
    return data_list


@DATASETS.register_module()
class ImageFolderDataset(LoadErrorsMixin, CustomDataset):
    """``<data_prefix>/<class name>/*.jpg``; the label is the index of the folder's name
    in ``classes`` (not its sorted position, as in mmpretrain's ``CustomDataset``).

    Without ``classes`` the sorted folder names are the classes. ``on_bad='skip'`` leaves
    unreadable images out (listed in the run's ``skipped_samples.txt``) instead of stopping.
    """

    def __init__(self, *args, on_bad='error', **kwargs):
        self.on_bad = check_on_bad(on_bad)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        root = self.img_prefix
        images = find_images(root)
        folders = sorted({osp.relpath(p, root).split(os.sep)[0] for p in images})
        if not self.metainfo.get('classes'):
            self._metainfo['classes'] = tuple(folders)
        classes = list(self.metainfo['classes'])
        data_list, nested = [], []
        for path in images:
            rel = osp.relpath(path, root)
            if os.sep not in rel:
                raise ZooError(f'{path}: an image outside any class folder; this dataset '
                               'expects <root>/<class>/<image>')
            if rel.count(os.sep) > 1:
                nested.append(rel)
            label = _class_index(classes, rel.split(os.sep)[0], path)
            data_list.append(dict(img_path=path, gt_label=label))
        if nested:
            warn(f'{root}: {len(nested)} image(s) in sub-folders of class folders count as '
                 f'their class folder\'s class, e.g. {", ".join(nested[:3])}; move them if '
                 'that is not meant')
        empty = sorted(set(classes) - {classes[d['gt_label']] for d in data_list})
        if empty and data_list:
            warn(f'{root}: no images for the class(es) {empty}: a class without images in '
                 'this split is never learned (train) or never measured (val)')
        return _readable_samples(data_list, root, self.on_bad, self.pipeline)


@DATASETS.register_module()
class FlatPrefixDataset(LoadErrorsMixin, CustomDataset):
    """The course's TAMUCC layout: one flat folder, class = file-name prefix before
    ``_IMG`` (``gravel_shell_beaches_IMG_0042.jpg``), classes listed in a JSON file.

    Args:
        classes_file (str, optional): JSON list of class names (or ``{"classes": [...]}``),
            relative to ``data_root``. ``classes`` may be given instead.
        separator (str): what ends the class name in a file name. Default ``'_IMG'``.
        on_bad (str): ``'error'`` (default) or ``'skip'`` unreadable images.
    """

    def __init__(self, *args, classes_file=None, separator='_IMG', on_bad='error', **kwargs):
        self.separator, self.on_bad = separator, check_on_bad(on_bad)
        if classes_file is not None:
            path = osp.join(kwargs.get('data_root') or '', classes_file)
            kwargs.setdefault('metainfo', {})
            kwargs['metainfo'] = dict(kwargs['metainfo'], classes=_read_classes(path))
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        classes = _require_classes(self)
        data_list = []
        for path in find_images(self.img_prefix):
            name = osp.basename(path)
            if self.separator not in name:
                raise ZooError(f'{path}: file name has no {self.separator!r}; expected '
                               f'<class>{self.separator}<anything>')
            label = _class_index(classes, name.split(self.separator)[0], path)
            data_list.append(dict(img_path=path, gt_label=label))
        return _readable_samples(data_list, self.img_prefix, self.on_bad, self.pipeline)


def _read_classes(path):
    try:
        with open(path) as f:
            classes = json.load(f)
    except OSError as err:
        raise ZooError(f'classes file not found: {path} ({err.strerror})') from None
    except ValueError as err:
        raise ZooError(f'classes file {path} is not valid JSON: {err}') from None
    classes = classes.get('classes') if isinstance(classes, dict) else classes
    if not (isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)):
        raise ZooError(f'classes file {path} must hold a non-empty JSON list of names')
    return tuple(classes)


@DATASETS.register_module()
class TFRecordClsDataset(LoadErrorsMixin, BaseDataset):
    """The course's TFRecord shards: ``image`` (JPEG bytes) and ``class`` (int64) per record.

    Read without TensorFlow. Images stay encoded in memory; start the pipeline with
    ``LoadImageFromBytes``.

    Args:
        shards (str | list[str]): file names or glob patterns, relative to ``data_root``.
        image_key, label_key (str): the feature names. Defaults ``'image'``, ``'class'``.
        on_bad (str): ``'error'`` (default) or ``'skip'`` records whose image bytes are
            not an image, or one smaller than 4 pixels a side (listed by shard and record
            index in ``skipped_samples.txt``). Images of several sizes with a pipeline
            that does not resize them are an error, as in the folder datasets.
    """

    def __init__(self, shards, image_key='image', label_key='class', on_bad='error', **kwargs):
        self.shards = [shards] if isinstance(shards, str) else list(shards)
        self.image_key, self.label_key = image_key, label_key
        self.on_bad = check_on_bad(on_bad)
        super().__init__(ann_file='', **kwargs)

    def load_data_list(self):
        classes = _require_classes(self)
        data_list = []
        for path in shard_paths(self.data_root, self.shards):
            for index, example in enumerate(read_examples(path)):
                source = f'{path} record {index}'
                if not example.get(self.image_key) or not example.get(self.label_key):
                    raise ZooError(f'{source}: missing feature {self.image_key!r} or '
                                   f'{self.label_key!r} (has {sorted(example)})')
                label = int(example[self.label_key][0])
                if not 0 <= label < len(classes):
                    raise ZooError(f'{source}: class {label} is outside 0..{len(classes) - 1} '
                                   f'({len(classes)} classes given)')
                data_list.append(
                    dict(img_bytes=example[self.image_key][0], gt_label=label, img_path=source))
        where = ', '.join(self.shards)
        _require_samples(data_list, where)
        data_list = check_images(data_list, self.on_bad, self.pipeline, where, 'img_bytes',
                                 'record')
        return _require_samples(data_list, where)


@TRANSFORMS.register_module()
class LoadImageFromBytes:
    """Decode ``results['img_bytes']`` (JPEG/PNG) into ``results['img']`` (BGR, uint8)."""

    def __call__(self, results):
        img = decode_image(results.pop('img_bytes'), results.get('img_path', 'a record'))
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return results


@DATASETS.register_module()
class RasterPointDataset(RasterSamplesMixin, BaseDataset):
    """A window of a raster centred on each labelled point (or polygon, at its centroid) of
    a vector file, its class that label's: see ``custom_modules.datasets.rasters``. Pipelines
    read the windows with ``LoadRasterWindow``."""

    TASK = 'classification'
