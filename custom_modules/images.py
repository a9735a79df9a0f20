"""Which files are images, and the images of a folder: one list for training and prediction."""
import os
import os.path as osp

from .errors import ZooError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def list_images(source):
    """``source`` if it is a file, else the images of the folder, sorted."""
    if osp.isfile(source):
        return [source]
    if not osp.isdir(source):
        raise ZooError(f'no such image or folder: {source}')
    images = sorted(
        osp.join(source, n) for n in os.listdir(source) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise ZooError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in {source}')
    return images
