"""Folders in, files out: every image and raster of a folder predicted, and each task's
result files written (the task's class says which)."""
import itertools
import os
import os.path as osp
import sys

import cv2

from ..errors import ZooError
from ..images import list_images


def read_images(paths, out_dir, on_bad='skip'):
    """Yield ``(path, BGR image)`` for every readable image; an unreadable one stops with
    an error naming it (``on_bad='error'``) or is passed over (``'skip'``), listed in
    ``<out_dir>/skipped_images.txt`` and counted in a warning at the end."""
    skipped = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is not None:
            yield path, img
        elif on_bad == 'error':
            raise ZooError(f'{path}: not a readable image; remove it, or pass over '
                           'unreadable images with --on-bad skip')
        else:
            skipped.append(f'{path}: not a readable image')
    if skipped:
        listing = osp.join(out_dir, 'skipped_images.txt')
        with open(listing, 'w') as f:
            f.write(''.join(line + '\n' for line in skipped))
        print(
            f'WARNING: passed over {len(skipped)} unreadable image(s); the list is in '
            f'{listing}',
            file=sys.stderr)


def _predicted(predictor, images, tile, overlap):
    """``(path, image, prediction)`` for each ``(path, image)``, predicted
    ``predictor.batch_size`` images at a time."""
    images = iter(images)
    while chunk := list(itertools.islice(images, predictor.batch_size)):
        preds = predictor.predict_many([img for _, img in chunk], tile, overlap)
        yield from ((path, img, pred) for (path, img), pred in zip(chunk, preds))


def predict_folder(predictor,
                   source,
                   out_dir,
                   on_bad='skip',
                   score_thr=None,
                   geo=None,
                   tile=None,
                   overlap=None):
    """Predict every image and raster of ``source``: rasters (GeoTIFFs with a CRS, or
    files OpenCV would change: 16-bit, 4 bands) window by window with results in map
    coordinates (``custom_modules.deploy.rasters``; ``geo``: ``dict(bands, scaling,
    probabilities, min_area)``), the pictures as :func:`predict_pictures` does. Returns a
    summary, a line per raster."""
    from ..geo.raster import is_raster
    paths = list_images(source)
    rasters = [p for p in paths if is_raster(p)]
    lines = []
    pictures = [p for p in paths if p not in rasters]
    if pictures:
        lines.append(
            predict_pictures(predictor, pictures, out_dir, on_bad, score_thr, tile, overlap))
    if rasters:
        lines += predict_rasters(predictor, rasters, out_dir, score_thr, tile, overlap, **(geo
                                                                                           or {}))
    return '\n'.join(lines)


def predict_rasters(predictor,
                    paths,
                    out_dir,
                    score_thr=None,
                    tile=None,
                    overlap=None,
                    bands=None,
                    scaling=None,
                    native_resolution=False,
                    **outputs):
    """Each raster of ``paths`` predicted window by window (see ``rasters``), then the
    task's files about them all (detection and classification: ``counts.csv``). Returns
    a line per raster."""
    from . import rasters
    os.makedirs(out_dir, exist_ok=True)
    reading = rasters.reading_of(predictor.spec, bands, scaling, native_resolution)
    done = [
        rasters.predict_raster(predictor, path, reading, out_dir, tile, overlap, score_thr,
                               **outputs) for path in paths
    ]
    predictor.task.finish_rasters(done, out_dir)
    return [d['summary'] for d in done]


def predict_pictures(predictor,
                     paths,
                     out_dir,
                     on_bad='skip',
                     score_thr=None,
                     tile=None,
                     overlap=None):
    """Predict every image of ``paths`` and write the task's files to ``out_dir``:

    - classification: ``predictions.csv`` (file, class, score, top-k), each image with its
      predicted class and ``prediction_grid.png`` (the first 64); embedding:
      ``embeddings.csv`` (file, then the vector);
    - detection: each image with its boxes, ``detections.csv`` (the course's columns plus
      score) and ``detections.json`` (boxes and a count per image);
    - segmentation: ``<name>_mask.png`` (class indices) and ``<name>_overlay.png``.

    Returns a one-line summary.
    """
    results = predictor.task.picture_results(out_dir, score_thr)
    os.makedirs(out_dir, exist_ok=True)
    for path, img, pred in _predicted(predictor, read_images(paths, out_dir, on_bad), tile,
                                      overlap):
        results.add(path, img, pred)
    return results.finish()
