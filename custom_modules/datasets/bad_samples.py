"""One policy for bad samples, in every reader: by default fail before training with one
message naming each bad file; with ``on_bad='skip'`` leave them out, say how many, and
list them in ``skipped_samples.txt`` in the run's log folder (inside the work dir).

A file that breaks after that check (deleted, truncated, a flaky network drive) is
handled by :class:`LoadErrorsMixin` when it is loaded, under the same policy."""
import io
import logging
import os
import os.path as osp

from mmengine.logging import print_log
from PIL import Image, UnidentifiedImageError

from ..errors import ZooError, bad_files_error
from ..run_folder import run_folder

ON_BAD = ('error', 'skip')


def check_on_bad(on_bad):
    if on_bad not in ON_BAD:
        raise ZooError(f"on_bad={on_bad!r}; use 'error' (stop before training) or 'skip'")
    return on_bad


# EXIF orientations that turn the stored image by 90 degrees when it is decoded
TRANSPOSED = (5, 6, 7, 8)

# The bytes a whole file of this format ends with (padding after them is tolerated).
END_MARKERS = {'JPEG': b'\xff\xd9', 'PNG': b'IEND'}
TAIL = 64


def truncation_problem(f, image_format):
    """For an open image file: what shows it was cut short (a JPEG or PNG without its end
    marker near its end), or None. Costs one small read, unlike a full decode."""
    marker = END_MARKERS.get(image_format)
    if marker is None:
        return None
    f.seek(0, os.SEEK_END)
    f.seek(max(f.tell() - TAIL, 0))
    if marker not in f.read(TAIL):
        return (f'truncated: the {image_format} file has no end marker (cut short while being '
                'copied or written)')
    return None


def image_headers(paths, encoded=None):
    """``({path: (width, height)}, {path: problem})`` from the image headers and the last
    bytes of each file (or of ``encoded[path]``, the bytes of a record, when given):
    unreadable headers and truncated JPEG/PNG files are problems. The size is the one the
    image has once decoded, EXIF orientation applied (as OpenCV and mmcv decode it)."""
    sizes, bad = {}, {}
    for path in paths:
        try:
            with (io.BytesIO(encoded[path]) if encoded else open(path, 'rb')) as f, \
                    Image.open(f) as img:
                width, height = img.size
                if img.getexif().get(0x0112) in TRANSPOSED:
                    width, height = height, width
                problem = truncation_problem(f, img.format)
            if problem:
                bad[path] = problem
            else:
                sizes[path] = (width, height)
        except (OSError, UnidentifiedImageError, ValueError) as err:
            bad[path] = f'{err.__class__.__name__}: {err}'
    return sizes, bad


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
    list_skipped(lines, what)
    return [d for d in data_list if d[key] not in problems]


def list_skipped(lines, what):
    """Append ``lines`` to ``skipped_samples.txt`` in the run's folder (``run_folder``), say
    how many were skipped and return the file's path."""
    out = osp.join(run_folder(), 'skipped_samples.txt')
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    with open(out, 'a') as f:
        f.write(''.join(line + '\n' for line in lines))
    print_log(
        f'skipped {len(lines)} {what} (on_bad=skip); the list is in {out}',
        logger='current',
        level=logging.WARNING)
    return out


MIN_SIDE = 4  # smaller ones are placeholders, not pictures (1x1 crashed the networks)
MAX_UNRESIZED_SIDE = 4096  # a batch of larger ones, not resized, would not fit in memory


def tiny_images(sizes):
    """``{path: problem}`` for images smaller than :data:`MIN_SIDE` pixels a side."""
    return {
        path: f'the image is {w}x{h}, smaller than {MIN_SIDE} pixels a side; remove it'
        for path, (w, h) in sizes.items() if min(w, h) < MIN_SIDE
    }


def resizes(pipeline):
    """Whether a data pipeline (a Compose, possibly nested) gives its images one size:
    it has a resize or a crop."""
    transforms = getattr(pipeline, 'transforms', None)
    if transforms is not None:
        return any(resizes(t) for t in transforms)
    name = type(pipeline).__name__
    return 'Resize' in name or 'Crop' in name


def check_sizes_fit_the_pipeline(sizes, pipeline, where):
    """Images of several sizes, or huge ones, with a pipeline that does not resize would
    be zero-padded to the largest in each batch (silently) or exhaust memory: say so."""
    if not sizes or resizes(pipeline):
        return
    distinct = sorted(set(sizes.values()), key=lambda s: -s[0] * s[1])
    largest = distinct[0]
    if len(distinct) > 1 or max(largest) > MAX_UNRESIZED_SIDE:
        shown = ', '.join(f'{w}x{h}' for w, h in distinct[:4])
        raise ZooError(f'{where}: the images are {shown}{" ..." if len(distinct) > 4 else ""} '
                       'and the pipeline does not resize them: they would be zero-padded to '
                       'the largest in each batch' +
                       (' and may not fit in memory' if max(largest) > MAX_UNRESIZED_SIDE else '') +
                       "; add dict(type='Resize', scale=(S, S)) after LoadImageFromFile, S "
                       "the model's input size")


def check_images(data_list, on_bad, pipeline, where, encoded_key=None, unit='image'):
    """``data_list`` without its unreadable and too small images (or, with
    ``on_bad='error'``, an error naming them), once the ``pipeline`` is known to give the
    others one size (:func:`check_sizes_fit_the_pipeline`). ``encoded_key``: the images
    are the bytes under that key of each sample (records), not files."""
    encoded = encoded_key and {d['img_path']: d[encoded_key] for d in data_list}
    sizes, unreadable = image_headers([d['img_path'] for d in data_list], encoded)
    data_list = drop_bad_samples(data_list, unreadable, f'unreadable {unit}(s)', on_bad)
    data_list = drop_bad_samples(data_list, tiny_images(sizes), f'too small {unit}(s)', on_bad)
    check_sizes_fit_the_pipeline({d['img_path']: sizes[d['img_path']]
                                  for d in data_list}, pipeline, where)
    return data_list


def _is_load_error(err):
    """Whether an exception raised by a data pipeline is about reading its sample's files
    (not a bug of the pipeline): I/O errors, our decoders' errors, mmcv's
    ``failed to load image``."""
    return isinstance(err, (OSError, ZooError)) or (isinstance(err, AssertionError)
                                                    and 'failed to load' in str(err))


class LoadErrorsMixin:
    """For a dataset (put it first among the bases): a sample whose files cannot be loaded
    when the pipeline runs ends in one line naming the file (``on_bad='error'``), or, with
    ``on_bad='skip'`` and while training, is listed in ``skipped_samples.txt`` and
    replaced by another sample (mmengine's ``BaseDataset`` draws another index when a
    sample is ``None``). More distinct failures than ``max_skip_share`` of the dataset
    (default 1 %) stop the run: a dataset quietly half-skipped is a broken dataset. They
    are counted from ``skipped_samples.txt``, which every data loader worker and every
    rank of a node appends to, so the share is the run's, not one worker's."""

    LOAD_FAILURE = ': could not be loaded ('

    def __init__(self, *args, max_skip_share=0.01, **kwargs):
        self.max_skip_share = max_skip_share
        super().__init__(*args, **kwargs)

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except Exception as err:  # noqa: B902 (sorted by _is_load_error, others re-raised)
            if not _is_load_error(err):
                raise
            source = self.get_data_info(idx).get('img_path', f'sample {idx}')
            problem = f'{source}{self.LOAD_FAILURE}{err.__class__.__name__}: {err})'
            if getattr(self, 'on_bad', 'error') != 'skip' or self.test_mode:
                raise ZooError(f'{problem}; it changed after the check before training, or '
                               "cannot be read now; fix it, or skip such samples with the "
                               "dataset option on_bad='skip'") from None
            listing = list_skipped([problem], 'sample(s) that could not be loaded')
            with open(listing) as f:
                failed = {
                    line.split(self.LOAD_FAILURE)[0]
                    for line in f if self.LOAD_FAILURE in line
                }
            if len(failed) > self.max_skip_share * len(self):
                raise ZooError(f'{len(failed)} of {len(self)} samples could not be loaded, more '
                               f'than max_skip_share={self.max_skip_share:g} of the dataset; '
                               f'the dataset looks broken; last: {problem}') from None
            return None
