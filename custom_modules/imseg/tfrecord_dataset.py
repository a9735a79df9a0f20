"""The course's segmentation TFRecords: ``image`` and ``label`` JPEG/PNG bytes per record."""
from mmcv.transforms import BaseTransform
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS, TRANSFORMS

from ..datasets.image_files import decode_image
from ..datasets.tfrecord import read_examples, shard_paths
from ..errors import ZooError
from .masks import greyscale, labels_of


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

    def __init__(self, shards, image_key='image', label_key='label', value_map=None,
                 tolerance=0, binary_class=None, **kwargs):
        self.shards = [shards] if isinstance(shards, str) else list(shards)
        self.keys = (image_key, label_key)
        self.mask_spec = dict(value_map=value_map, tolerance=tolerance,
                              binary_class=binary_class)
        super().__init__(**kwargs)

    def load_data_list(self):
        data_list = []
        for path in shard_paths(self.data_root, self.shards):
            for index, example in enumerate(read_examples(path)):
                source = f'{path} record {index}'
                if not all(example.get(key) for key in self.keys):
                    raise ZooError(f'{source}: missing feature {self.keys} '
                                   f'(has {sorted(example)})')
                info = dict(img_bytes=example[self.keys[0]][0],
                            label_bytes=example[self.keys[1]][0], img_path=source,
                            seg_map_path=source, seg_fields=[], reduce_zero_label=False,
                            label_map=None, **self.mask_spec)
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
        mask = greyscale(decode_image(results['label_bytes'], results['seg_map_path'],
                                      flag='unchanged'))
        return labels_of(mask, results, results['seg_map_path'])

    def transform(self, results):
        img = decode_image(results['img_bytes'], results['img_path'])
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                       gt_seg_map=self.labels(results))
        results['seg_fields'] = [*results.get('seg_fields', []), 'gt_seg_map']
        for key in ('img_bytes', 'label_bytes'):
            results.pop(key)
        return results
