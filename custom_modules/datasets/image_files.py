"""Finding the images a tool should read, reading them, and decoding image bytes."""
import os
import os.path as osp
import sys

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


def read_images(paths, out_dir, on_bad='skip'):
    """Yield ``(path, BGR image)`` for every readable image of ``paths``. An unreadable one
    stops the run with an error naming it (``on_bad='error'``) or is passed over
    (``'skip'``): listed in ``<out_dir>/skipped_images.txt`` and counted in a warning at
    the end, so that one bad file does not cost the results of the others."""
    skipped = []
    for path in paths:
        try:
            img = mmcv.imread(path)
        except (OSError, ValueError) as err:
            img, problem = None, f'{err.__class__.__name__}: {err}'
        else:
            problem = 'not a readable image'
        if img is not None:
            yield path, img
        elif on_bad == 'error':
            raise ZooError(f'{path}: {problem}; remove it, or pass over unreadable images with '
                           '--on-bad skip')
        else:
            skipped.append(f'{path}: {problem}')
    if skipped:
        listing = osp.join(out_dir, 'skipped_images.txt')
        with open(listing, 'w') as f:
            f.write(''.join(line + '\n' for line in skipped))
        print(
            f'WARNING: passed over {len(skipped)} unreadable image(s); the list is in '
            f'{listing}',
            file=sys.stderr)
