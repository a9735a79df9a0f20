"""Finding the images of a dataset, and decoding image bytes."""
import os
import os.path as osp

import mmcv

from ..errors import ZooError
from ..images import IMAGE_EXTENSIONS  # noqa: F401 (one list, for training and prediction)


def find_images(folder):
    """Every image below ``folder`` (sub-folders included, links followed), sorted."""
    if not osp.isdir(folder):
        raise ZooError(f'data folder not found: {folder}')
    return sorted(
        osp.join(root, name) for root, _, names in os.walk(folder, followlinks=True)
        for name in names if name.lower().endswith(IMAGE_EXTENSIONS))


def decode_image(data, source, flag='color'):
    """JPEG/PNG ``data`` as an array (BGR for ``flag='color'``), or a :class:`ZooError`
    naming ``source`` (the record or file the bytes came from)."""
    img = mmcv.imfrombytes(data, flag=flag)
    if img is None:
        raise ZooError(f'{source}: image bytes do not decode')
    return img
