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

from ..datasets import raster_transforms  # noqa: F401 (registers LoadRasterWindow)
from ..datasets.bad_samples import LoadErrorsMixin, check_on_bad, drop_bad_samples
from ..datasets.image_files import decode_image
from ..datasets.rasters import RasterSamplesMixin
from ..datasets.tfrecord import read_examples, shard_paths
from ..errors import ZooError
from ..semi import select_labelled


def read_mask(path):
    """A mask as stored: 2-D, or H x W x 3 in RGB order (alpha dropped)."""
    mask = mmcv.imread(path, flag='unchanged')
    if mask is None:
        raise ZooError(f'cannot read mask {path}')
    return mask if mask.ndim == 2 else mask[..., 2::-1]


def parse_value_map(value_map):
    """A config's ``value_map`` with its keys as ints (grey values) or RGB tuples (colours,
    given as ``(r, g, b)``, ``'r,g,b'`` or ``'#rrggbb'``); None stays None."""
    if value_map is None:
        return None

    def key(k):
        if isinstance(k, str) and k.startswith('#') and len(k) == 7:
            return tuple(int(k[i:i + 2], 16) for i in (1, 3, 5))
        if isinstance(k, str) and ',' in k:
            return tuple(int(v) for v in k.split(','))
        return tuple(int(v) for v in k) if isinstance(k, (tuple, list)) else int(k)

    parsed = {key(k): int(v) for k, v in value_map.items()}
    kinds = {isinstance(k, tuple) and len(k) == 3 for k in parsed}
    if len(kinds) != 1 or any(isinstance(k, tuple) and len(k) != 3 for k in parsed):
        raise ZooError(f'value_map {dict(value_map)}: keys must all be grey values (0-255) or '
                       "all RGB colours ((r, g, b), 'r,g,b' or '#rrggbb')")
    return parsed


def colours_of(mask, n=12):
    """The ``n`` most frequent RGB colours of a colour mask, as tuples."""
    colours, counts = np.unique(mask.reshape(-1, 3), axis=0, return_counts=True)
    return [tuple(int(v) for v in c) for c in colours[np.argsort(-counts)][:n]]


def grey_values(mask, source):
    """The 2-D array of values to map: a grey mask itself, or the first channel of a colour
    file whose channels are all equal. A truly coloured mask needs an RGB value_map."""
    if mask.ndim == 2:
        return mask
    if (mask == mask[..., :1]).all():
        return mask[..., 0]
    colours = colours_of(mask)
    example = ', '.join(f"'{r},{g},{b}': {i}" for i, (r, g, b) in enumerate(colours[:4]))
    raise ZooError(f'{source}: a colour mask (colours {colours}) and no RGB value_map; decode '
                   f'it by colour with e.g. value_map={{{example}}} (colour -> class index)')


def decode_value_map(mask, value_map, tolerance=0, source='mask'):
    """Class indices from mask values within ``tolerance`` of a ``value_map`` key: grey
    values, or RGB colours (a channel-wise tolerance) for a colour value map.

    Raises :class:`ZooError` naming ``source`` and the values that match no key.
    """
    value_map = parse_value_map(value_map)
    colour = bool(value_map) and isinstance(next(iter(value_map)), tuple)
    if colour:
        mask = np.repeat(mask[..., None], 3, axis=2) if mask.ndim == 2 else mask
    else:
        mask = grey_values(mask, source)
    if value_map is None:
        return mask
    values = mask.astype(np.int16)
    labels = np.full(mask.shape[:2], 255, np.uint8)
    for value, label in sorted(value_map.items(), key=lambda kv: kv[0], reverse=True):
        distance = np.abs(values - np.array(value, np.int16))
        labels[(distance.max(axis=-1) if colour else distance) <= tolerance] = label
    unmatched = labels == 255
    if unmatched.any():
        found = colours_of(mask[unmatched]) if colour else np.unique(mask[unmatched]).tolist()
        keys = list(value_map) if colour else sorted(value_map)
        raise ZooError(f'{source}: {int(unmatched.sum())} pixels have values {found[:12]}'
                       f'{" ..." if len(found) > 12 else ""} outside the value map {keys} '
                       f'(tolerance +-{tolerance}); fix the mask or the value_map / tolerance')
    return labels


def binary_255_hint(values, classes):
    """For masks without a value map: the value_map to give when their values look like a
    binary mask saved as 0/255 (255 would be mmseg's "ignore"), else ''."""
    values = set(int(v) for v in values)
    if len(classes) != 2 or not values & set(range(128, 256)):
        return ''
    low, high = [v for v in values if v < 128], [v for v in values if v >= 128]
    spread = max(max(low, default=0), 255 - min(high))
    tolerance = f', tolerance={spread}' if spread else ''
    return (f'; these look like binary masks saved as 0/255 (255 means "ignore" to mmseg: '
            f'the second class would never be learned): set value_map={{0: 0, 255: 1}}'
            f'{tolerance}')


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


def check_not_binary_255(values, classes, source):
    """Masks without a value map hold class indices. With two classes, values 0 and 255
    only (or JPEG noise around them) are a binary mask saved as 0/255, whose 255s mmseg
    would ignore: refuse it, naming the value_map to set. (0, 1 and 255 is an ignore label
    used as meant.)"""
    values = sorted(int(v) for v in values)
    hint = binary_255_hint(values, classes)
    if hint and (set(values) <= {0, 255} or any(128 <= v < 255 for v in values)):
        raise ZooError(f'{source}: the masks hold the values {values[:6]}'
                       f'{" ..." if len(values) > 6 else ""} with {len(classes)} classes '
                       f'{list(classes)}{hint}')


@DATASETS.register_module()
class MaskFolderDataset(LoadErrorsMixin, BaseSegDataset):
    """``BaseSegDataset`` (image and mask folders) with value-mapped masks, checked up front.

    Args:
        value_map (dict, optional): mask value -> class index, e.g.
            ``{63: 0, 128: 1, 191: 2, 255: 3}``, or for colour-coded masks RGB colour ->
            class index, e.g. ``{'0,0,255': 0, '#ff0000': 1}`` (or ``(r, g, b)`` keys).
            None: mask values are the indices; a binary mask saved as 0/255 is then
            refused, naming the value_map to set (255 would be "ignore").
        tolerance (int): accept values within +-tolerance of a key (JPEG masks). Default 0.
        binary_class (int, optional): train one class (this index) vs the rest.
        check_masks (bool): read every mask before training. Default True.
        on_bad (str): ``'error'`` (default) or ``'skip'`` bad pairs (listed in the run's
            ``skipped_samples.txt``).
        labelled_fraction (float, optional): keep the masks of this fraction of the
            images (drawn with ``split_seed``); the others are unlabelled (every mask pixel
            255), for a ``SemiSupervisedSegmentor``, or left out with ``part='labelled'``
            (its supervised baseline on the same masks).
        split_seed (int): the seed of that draw. Default 0.
        part (str): ``'both'`` (default) or ``'labelled'``, see ``labelled_fraction``.

    Without ``seg_map_path`` in ``data_prefix`` the folder is images alone, every one
    unlabelled: a semi-supervised segmentor's folder of unlabelled images.
    """

    def __init__(self,
                 *args,
                 value_map=None,
                 tolerance=0,
                 binary_class=None,
                 check_masks=True,
                 on_bad='error',
                 labelled_fraction=None,
                 split_seed=0,
                 part='both',
                 **kwargs):
        self.on_bad = check_on_bad(on_bad)
        self.mask_spec = dict(
            value_map=parse_value_map(value_map), tolerance=tolerance, binary_class=binary_class)
        self.check_masks = check_masks
        if part not in ('both', 'labelled'):
            raise ZooError(f"MaskFolderDataset: part={part!r}; use 'both' or 'labelled'")
        self.labelled_fraction, self.split_seed, self.part = labelled_fraction, split_seed, part
        super().__init__(*args, **kwargs)

    def _hide_masks(self, data_list):
        """The samples with masks kept: all, or ``labelled_fraction`` of them, the others
        unlabelled (``seg_map_path`` None) or, with ``part='labelled'``, left out."""
        if 'seg_map_path' not in self.data_prefix:
            for info in data_list:
                info['seg_map_path'] = None
            return data_list
        if self.labelled_fraction is None:
            return data_list
        kept = set(
            select_labelled([0] * len(data_list), None, self.labelled_fraction, self.split_seed))
        print(
            f'{self.data_prefix["seg_map_path"]}: the masks of {len(kept)} of '
            f'{len(data_list)} images kept (labelled_fraction={self.labelled_fraction}, '
            f'split_seed={self.split_seed}), the others ' +
            ('left out' if self.part == 'labelled' else 'unlabelled'),
            flush=True)
        if self.part == 'labelled':
            return [info for i, info in enumerate(data_list) if i in kept]
        for i, info in enumerate(data_list):
            if i not in kept:
                info['seg_map_path'] = None
        return data_list

    def load_data_list(self):
        data_list = super().load_data_list()
        if not data_list:
            raise ZooError(f'no images found in {self.data_prefix.get("img_path")} '
                           f'(suffix {self.img_suffix!r})')
        data_list = self._hide_masks(data_list)
        for info in data_list:
            info.update(self.mask_spec)
        if self.check_masks and any(info['seg_map_path'] for info in data_list):
            problems, values = self._problems(data_list)
            if self.mask_spec['value_map'] is None:
                check_not_binary_255(values,
                                     self.metainfo.get('classes') or (),
                                     self.data_prefix.get('seg_map_path'))
            data_list = drop_bad_samples(data_list, problems, 'bad image/mask pair(s)', self.on_bad)
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
        have mask values outside the value map; and the set of decoded values."""
        problems, values = {}, set()
        for info in data_list:
            mask_path = info['seg_map_path']
            if mask_path is None:  # unlabelled
                continue
            try:
                with Image.open(info['img_path']) as img:
                    size = img.size[::-1]
                mask = read_mask(mask_path)
                if mask.shape[:2] != size:
                    raise ZooError(f'{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} but '
                                   f'its image {info["img_path"]} is {size[1]}x{size[0]}')
                labels = labels_of(mask, self.mask_spec, mask_path)
                values.update(np.unique(labels).tolist())
                self._check_indices(labels, mask_path)
            except ZooError as err:
                problems[info['img_path']] = str(err)
            except OSError as err:
                problems[info['img_path']] = f'{err.__class__.__name__}: {err}'
        return problems, values


@TRANSFORMS.register_module()
class LoadValueMapAnnotations(BaseTransform):
    """Load ``seg_map_path`` as class indices using the dataset's value map (see
    :class:`MaskFolderDataset`); a mask whose size differs from the image is an error. An
    unlabelled image (``seg_map_path`` None) gets a mask of 255, read after its image."""

    def transform(self, results):
        path = results['seg_map_path']
        if path is None:  # an unlabelled image (MaskFolderDataset): every pixel 255
            results['gt_seg_map'] = np.full(results['img'].shape[:2], 255, np.uint8)
            results.setdefault('seg_fields', []).append('gt_seg_map')
            return results
        labels = labels_of(read_mask(path), results, path)
        if 'img' in results and labels.shape != results['img'].shape[:2]:
            raise ZooError(f'{path}: mask size {labels.shape} differs from its image '
                           f'{results["img_path"]} {results["img"].shape[:2]}')
        results['gt_seg_map'] = labels
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results


@DATASETS.register_module()
class TFRecordSegDataset(LoadErrorsMixin, BaseSegDataset):
    """Image/label pairs from TFRecord shards, read without TensorFlow.

    Args:
        shards (str | list[str]): file names or globs, relative to ``data_root``.
        image_key, label_key (str): feature names. Defaults ``'image'``, ``'label'``.
        value_map, tolerance, binary_class: as :class:`MaskFolderDataset`; every label is
            decoded and checked before training.
        on_bad (str): ``'error'`` (default) or ``'skip'`` records that do not decode or
            whose label does not fit (listed by shard and record index in
            ``skipped_samples.txt``).
    Start the pipeline with ``LoadPairFromBytes``.
    """

    def __init__(self,
                 shards,
                 image_key='image',
                 label_key='label',
                 value_map=None,
                 tolerance=0,
                 binary_class=None,
                 on_bad='error',
                 **kwargs):
        self.shards = [shards] if isinstance(shards, str) else list(shards)
        self.keys = (image_key, label_key)
        self.on_bad = check_on_bad(on_bad)
        self.mask_spec = dict(
            value_map=parse_value_map(value_map), tolerance=tolerance, binary_class=binary_class)
        super().__init__(**kwargs)

    def load_data_list(self):
        data_list, values, problems = [], set(), {}
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
                data_list.append(info)
                try:
                    image = decode_image(info['img_bytes'], source)
                    labels = LoadPairFromBytes.labels(info)
                    if labels.shape != image.shape[:2]:
                        raise ZooError(f'{source}: label {labels.shape} and image '
                                       f'{image.shape[:2]} differ in size')
                    values.update(np.unique(labels).tolist())
                except ZooError as err:
                    problems[source] = str(err).split(': ', 1)[-1]
        if not data_list:
            raise ZooError(f'no records in {self.shards}')
        data_list = drop_bad_samples(data_list, problems, 'bad record(s)', self.on_bad)
        if not data_list:
            raise ZooError(f'no usable records in {self.shards}')
        if self.mask_spec['value_map'] is None:
            check_not_binary_255(values, self.metainfo.get('classes') or (), str(self.shards))
        return data_list


@TRANSFORMS.register_module()
class LoadPairFromBytes(BaseTransform):
    """Decode ``img_bytes`` to ``img`` and ``label_bytes`` (value-mapped) to ``gt_seg_map``."""

    @staticmethod
    def labels(results):
        mask = decode_image(results['label_bytes'], results['seg_map_path'], flag='unchanged')
        if mask.ndim == 3:
            mask = mask[..., 2::-1]  # BGR(A) -> RGB, as read_mask
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


@DATASETS.register_module()
class RasterMaskDataset(RasterSamplesMixin, BaseSegDataset):
    """Windows of rasters with the polygons (or lines) of a vector file burnt into class
    masks: see ``custom_modules.datasets.rasters``. Pipelines read window and mask with
    ``LoadRasterWindow`` (no ``LoadAnnotations``); nodata pixels are ignored.

    ``unlabelled``: what the pixels outside every label are. ``'ignore'`` (the default)
    leaves them out of the loss and the metric, for labels drawn as a few polygons per
    class; a class name (``unlabelled='water'``) trains every one of them as that class,
    for labels that cover every other class. The console says which rule is in force.

    ``labels=None``: every pixel is unlabelled (windows sampled ``'random'`` or ``'grid'``):
    other rasters of the survey as the unlabelled windows of a ``SemiSupervisedSegmentor``,
    beside the labelled dataset in a ``ConcatDataset``. A percentile scaling is then taken
    over these rasters; the model records the labelled dataset's (the first of the
    ``ConcatDataset``), so give rasters of the same sensor and processing.
    """

    TASK = 'segmentation'
    METAINFO = dict()  # the config's metainfo.classes

    def __init__(self, *args, unlabelled='ignore', **kwargs):
        self.unlabelled = unlabelled
        super().__init__(*args, **kwargs)

    def sample_options(self):
        return dict(unlabelled=self.unlabelled)

    def finish_sample(self, index, sample):
        return dict(sample, label_map=self.label_map, reduce_zero_label=False, seg_fields=[])
