"""One policy for bad samples, in every reader: by default fail before training with one
message naming each bad file; with ``on_bad='skip'`` leave them out, say how many, and
list them in ``skipped_samples.txt`` in the run's log folder (inside the work dir)."""
import logging
import os
import os.path as osp

from mmengine.logging import print_log
from PIL import Image, UnidentifiedImageError

from ..errors import ZooError, bad_files_error
from ..run_dir import current_log_dir

ON_BAD = ('error', 'skip')


def check_on_bad(on_bad):
    if on_bad not in ON_BAD:
        raise ZooError(f"on_bad={on_bad!r}; use 'error' (stop before training) or 'skip'")
    return on_bad


# EXIF orientations that turn the stored image by 90 degrees when it is decoded
TRANSPOSED = (5, 6, 7, 8)


def image_headers(paths):
    """``({path: (width, height)}, {path: problem})`` from the image headers alone. The
    size is the one the image has once decoded, EXIF orientation applied (as OpenCV and
    mmcv decode it)."""
    sizes, bad = {}, {}
    for path in paths:
        try:
            with Image.open(path) as img:
                width, height = img.size
                if img.getexif().get(0x0112) in TRANSPOSED:
                    width, height = height, width
                sizes[path] = (width, height)
        except (OSError, UnidentifiedImageError, ValueError) as err:
            bad[path] = f'{err.__class__.__name__}: {err}'
    return sizes, bad


def unreadable_images(paths):
    """``{path: problem}`` for the files whose image header cannot be read."""
    return image_headers(paths)[1]


def drop_bad_samples(data_list, problems, what, on_bad='error', key='img_path'):
    """``data_list`` without the samples whose ``key`` is in ``problems`` (``{path:
    problem}``), or, with ``on_bad='error'``, one :class:`ZooError` naming them."""
    if not problems:
        return data_list
    lines = [f'{path}: {problem}' for path, problem in problems.items()]
    if check_on_bad(on_bad) == 'error':
        raise bad_files_error(
            f"{len(problems)} {what}; fix or remove them, or skip them "
            "with the dataset option on_bad='skip'", lines)
    out = osp.join(current_log_dir(), 'skipped_samples.txt')
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    with open(out, 'a') as f:
        f.write(''.join(line + '\n' for line in lines))
    print_log(
        f'skipped {len(problems)} {what} (on_bad=skip); the list is in {out}',
        logger='current',
        level=logging.WARNING)
    return [d for d in data_list if d[key] not in problems]
