"""Image + mask folders whose greyscale masks encode classes as values (the course's OBX:
63 deep water, 128 whitewater, 191 shallow, 255 dry sand), JPEG noise tolerated.

``MaskFolderDataset`` checks every mask before training (readable, same size as its image,
every value in the map) and hands its value map to ``LoadValueMapAnnotations``, which
turns mask values into class indices (or one class vs the rest, for binary models).

The course's segmentation TFRecords (``TFRecordSegDataset``, ``LoadPairFromBytes``): ``image``
and ``label`` JPEG/PNG bytes per record, value-mapped the same way.
"""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS, TRANSFORMS
from PIL import Image

from ..datasets.bad_samples import check_on_bad, drop_bad_samples
from ..datasets.image_files import decode_image
from ..datasets.tfrecord import read_examples, shard_paths
from ..errors import ZooError


def greyscale(mask):
    """A mask as a 2-D array: the first channel of a colour one."""
    return mask if mask.ndim == 2 else mask[..., 0]


def read_mask(path):
    """A greyscale mask as a 2-D uint8 array (first channel of a colour file)."""
    mask = mmcv.imread(path, flag='unchanged')
    if mask is None:
        raise ZooError(f'cannot read mask {path}')
    return greyscale(mask)


def decode_value_map(mask, value_map, tolerance=0, source='mask'):
    """Class indices from mask values within ``tolerance`` of a ``value_map`` key.

    Raises :class:`ZooError` naming ``source`` and the values that match no key.
    """
    if value_map is None:
        return mask
    values = mask.astype(np.int16)
    labels = np.full(mask.shape, 255, np.uint8)
    for value, label in sorted(value_map.items(), key=lambda kv: -kv[0]):
        labels[np.abs(values - int(value)) <= tolerance] = label
    unmatched = np.unique(mask[labels == 255])
    if unmatched.size:
        raise ZooError(
            f'{source}: {int((labels == 255).sum())} pixels have values {unmatched[:12].tolist()}'
            f'{" ..." if unmatched.size > 12 else ""} outside the value map '
            f'{sorted(int(v) for v in value_map)} (tolerance +-{tolerance}); fix the mask or '
            'the value_map / tolerance')
    return labels


def one_vs_rest(labels, positive):
    """1 where ``labels == positive``, else 0 (keeps 255, the ignore index)."""
    out = (labels == positive).astype(np.uint8)
    out[labels == 255] = 255
    return out


def labels_of(mask, spec, source):
    """Decode a raw mask with a dataset's ``value_map``/``tolerance``/``binary_class``."""
    labels = decode_value_map(mask, spec.get('value_map'), spec.get('tolerance', 0), source)
    if spec.get('binary_class') is not None:
        labels = one_vs_rest(labels, spec['binary_class'])
    return labels


@DATASETS.register_module()
class MaskFolderDataset(BaseSegDataset):
    """``BaseSegDataset`` (image and mask folders) with value-mapped masks, checked up front.

    Args:
        value_map (dict, optional): mask value -> class index, e.g.
            ``{63: 0, 128: 1, 191: 2, 255: 3}``. None: mask values are the indices.
        tolerance (int): accept values within +-tolerance of a key (JPEG masks). Default 0.
        binary_class (int, optional): train one class (this index) vs the rest.
        check_masks (bool): read every mask before training. Default True.
        on_bad (str): ``'error'`` (default) or ``'skip'`` bad pairs (listed in the run's
            ``skipped_samples.txt``).
    """

    def __init__(self,
                 *args,
                 value_map=None,
                 tolerance=0,
                 binary_class=None,
                 check_masks=True,
                 on_bad='error',
                 **kwargs):
        self.on_bad = check_on_bad(on_bad)
        self.mask_spec = dict(value_map=value_map, tolerance=tolerance, binary_class=binary_class)
        self.check_masks = check_masks
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        if not data_list:
            raise ZooError(f'no images found in {self.data_prefix.get("img_path")} '
                           f'(suffix {self.img_suffix!r})')
        for info in data_list:
            info.update(self.mask_spec)
        if self.check_masks:
            data_list = drop_bad_samples(data_list, self._problems(data_list),
                                         'bad image/mask pair(s)', self.on_bad)
        if not data_list:
            raise ZooError(f'no usable image/mask pairs in {self.data_prefix.get("img_path")}')
        return data_list

    def _check_indices(self, labels, source):
        classes = self.metainfo.get('classes') or ()
        outside = (labels >= len(classes)) & (labels != 255)  # 255: mmseg's ignore index
        if classes and outside.any():
            found = np.unique(labels[outside])[:12].tolist()
            raise ZooError(f'{source}: {int(outside.sum())} pixels have class indices {found} '
                           f'but there are {len(classes)} classes {list(classes)}; give a '
                           'value_map (mask value -> class index) or fix the mask')

    def _problems(self, data_list):
        """``{image path: problem}`` for pairs that cannot be read, differ in size, or
        have mask values outside the value map."""
        problems = {}
        for info in data_list:
            mask_path = info['seg_map_path']
            try:
                with Image.open(info['img_path']) as img:
                    size = img.size[::-1]
                mask = read_mask(mask_path)
                if mask.shape != size:
                    raise ZooError(f'{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} but '
                                   f'its image {info["img_path"]} is {size[1]}x{size[0]}')
                self._check_indices(labels_of(mask, self.mask_spec, mask_path), mask_path)
            except ZooError as err:
                problems[info['img_path']] = str(err)
            except OSError as err:
                problems[info['img_path']] = f'{err.__class__.__name__}: {err}'
        return problems


@TRANSFORMS.register_module()
class LoadValueMapAnnotations(BaseTransform):
    """Load ``seg_map_path`` as class indices using the dataset's value map (see
    :class:`MaskFolderDataset`); a mask whose size differs from the image is an error."""

    def transform(self, results):
        path = results['seg_map_path']
        labels = labels_of(read_mask(path), results, path)
        if 'img' in results and labels.shape != results['img'].shape[:2]:
            raise ZooError(f'{path}: mask size {labels.shape} differs from its image '
                           f'{results["img_path"]} {results["img"].shape[:2]}')
        results['gt_seg_map'] = labels
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results


@DATASETS.register_module()
class TFRecordSegDataset(BaseSegDataset):
    """Image/label pairs from TFRecord shards, read without TensorFlow.

    Args:
        shards (str | list[str]): file names or globs, relative to ``data_root``.
        image_key, label_key (str): feature names. Defaults ``'image'``, ``'label'``.
        value_map, tolerance, binary_class: as :class:`MaskFolderDataset`; every label is
            decoded and checked before training.
    Start the pipeline with ``LoadPairFromBytes``.
    """

    def __init__(self,
                 shards,
                 image_key='image',
                 label_key='label',
                 value_map=None,
                 tolerance=0,
                 binary_class=None,
                 **kwargs):
        self.shards = [shards] if isinstance(shards, str) else list(shards)
        self.keys = (image_key, label_key)
        self.mask_spec = dict(value_map=value_map, tolerance=tolerance, binary_class=binary_class)
        super().__init__(**kwargs)

    def load_data_list(self):
        data_list = []
        for path in shard_paths(self.data_root, self.shards):
            for index, example in enumerate(read_examples(path)):
                source = f'{path} record {index}'
                if not all(example.get(key) for key in self.keys):
                    raise ZooError(f'{source}: missing feature {self.keys} '
                                   f'(has {sorted(example)})')
                info = dict(
                    img_bytes=example[self.keys[0]][0],
                    label_bytes=example[self.keys[1]][0],
                    img_path=source,
                    seg_map_path=source,
                    seg_fields=[],
                    reduce_zero_label=False,
                    label_map=None,
                    **self.mask_spec)
                image = decode_image(info['img_bytes'], source)
                labels = LoadPairFromBytes.labels(info)
                if labels.shape != image.shape[:2]:
                    raise ZooError(f'{source}: label {labels.shape} and image '
                                   f'{image.shape[:2]} differ in size')
                data_list.append(info)
        if not data_list:
            raise ZooError(f'no records in {self.shards}')
        return data_list


@TRANSFORMS.register_module()
class LoadPairFromBytes(BaseTransform):
    """Decode ``img_bytes`` to ``img`` and ``label_bytes`` (value-mapped) to ``gt_seg_map``."""

    @staticmethod
    def labels(results):
        mask = greyscale(
            decode_image(results['label_bytes'], results['seg_map_path'], flag='unchanged'))
        return labels_of(mask, results, results['seg_map_path'])

    def transform(self, results):
        img = decode_image(results['img_bytes'], results['img_path'])
        results.update(
            img=img,
            img_shape=img.shape[:2],
            ori_shape=img.shape[:2],
            gt_seg_map=self.labels(results))
        results['seg_fields'] = [*results.get('seg_fields', []), 'gt_seg_map']
        for key in ('img_bytes', 'label_bytes'):
            results.pop(key)
        return results
