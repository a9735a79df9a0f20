"""Windows ``(x0, y0, x1, y1)`` (pixels, ends exclusive) over an image or a raster: the grid
that prediction tiles with, and the training samplers (grid, random, around labels), each
inside a region of the raster and seeded."""
import numpy as np

from ..errors import ZooError

SAMPLERS = ('grid', 'random', 'labels')


def tile_origins(length, tile, overlap):
    """Start offsets of windows of ``tile`` pixels overlapping by ``overlap`` that cover
    ``length`` (the last window ends at the edge)."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def windows(height, width, tile, overlap):
    """``(x0, y0, x1, y1)`` of every window of a ``height`` x ``width`` image."""
    return [(x, y, min(x + tile, width), min(y + tile, height))
            for y in tile_origins(height, tile, overlap)
            for x in tile_origins(width, tile, overlap)]


def region_pixels(region, width, height):
    """``region`` (x0, y0, x1, y1 as fractions of the raster, 0-1; None: all of it) ->
    pixel bounds. Train and validation on one raster take disjoint regions, so that no
    validation window overlaps a training one."""
    x0, y0, x1, y1 = region or (0, 0, 1, 1)
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ZooError(f'windows.region {tuple(region)}: give (x0, y0, x1, y1) as fractions '
                       'of the raster, 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1')
    return (round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))


def sample_windows(width,
                   height,
                   size,
                   sampler='grid',
                   overlap=0,
                   count=None,
                   seed=0,
                   region=None,
                   centres=(),
                   jitter=0.25):
    """Training windows of ``size`` pixels inside ``region``:

    - ``grid``: the prediction grid (``overlap`` shared pixels);
    - ``random``: ``count`` windows placed uniformly;
    - ``labels``: a window around each of ``centres`` (pixel x, y of the labels in the
      region), shifted at random by up to ``jitter`` of a window (0.25; at most 0.5, where
      the label's centre is still inside) so a label is not always in the middle. ``count``
      windows when given: fewer labels drawn from, or, for more windows than labels (a
      few polygons per class), the labels taken in turn, each window shifted anew.
    """
    if sampler not in SAMPLERS:
        raise ZooError(f'windows.sampler {sampler!r}: use one of {SAMPLERS}')
    if not 0 <= jitter <= 0.5:
        raise ZooError(f'windows.jitter={jitter}: give a share of the window from 0 to 0.5')
    rx0, ry0, rx1, ry1 = region_pixels(region, width, height)
    side_x, side_y = min(size, rx1 - rx0), min(size, ry1 - ry0)
    rng = np.random.default_rng(seed)
    if sampler == 'grid':
        return [(x0 + rx0, y0 + ry0, x1 + rx0, y1 + ry0)
                for x0, y0, x1, y1 in windows(ry1 - ry0, rx1 - rx0, size, overlap)]
    if sampler == 'random':
        if not count:
            raise ZooError("windows.sampler='random' needs windows.count (how many windows)")
        xs = rng.integers(rx0, rx1 - side_x + 1, count)
        ys = rng.integers(ry0, ry1 - side_y + 1, count)
        return [(int(x), int(y), int(x) + side_x, int(y) + side_y) for x, y in zip(xs, ys)]
    centres = [(x, y) for x, y in centres if rx0 <= x < rx1 and ry0 <= y < ry1]
    if count and count < len(centres):
        centres = [centres[i] for i in sorted(rng.choice(len(centres), count, replace=False))]
    elif count and centres:
        centres = [centres[i % len(centres)] for i in range(count)]
    found = []
    for cx, cy in centres:
        jx, jy = rng.uniform(-size * jitter, size * jitter, 2)
        x = int(np.clip(round(cx - side_x / 2 + jx), rx0, rx1 - side_x))
        y = int(np.clip(round(cy - side_y / 2 + jy), ry0, ry1 - side_y))
        found.append((x, y, x + side_x, y + side_y))
    return found
