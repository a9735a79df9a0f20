"""Finding the images a tool should read, and decoding image bytes."""
import os
import os.path as osp

import mmcv

from ..errors import ZooError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def list_images(source):
    """``source`` itself if it is a file, else the images of the folder ``source``, sorted."""
    if osp.isfile(source):
        return [source]
    if not osp.isdir(source):
        raise ZooError(f'no such image or folder: {source}')
    images = sorted(
        osp.join(source, n) for n in os.listdir(source) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise ZooError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in {source}')
    return images


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
