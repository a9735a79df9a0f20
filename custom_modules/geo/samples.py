"""Training samples from rasters and a vector file of labels: windows sampled over each raster
(``windows``), and in each window the labels it holds, in window pixels:

- ``detection``: ``instances`` (mmdet's: ``bbox`` x0 y0 x1 y1, ``bbox_label``,
  ``ignore_flag``), a label cut by the window kept when at least ``min_kept`` of its box is
  inside;
- ``segmentation``: ``shapes``, ``(WKB, class index)`` pairs that ``LoadRasterWindow``
  burns into the window's mask, ``unlabelled`` where none lies (ignored, or the class the
  config names);
- ``classification``: one window centred on each label (a point, or a polygon's centroid),
  ``gt_label`` its class.

Each task's labels are a class (:class:`WindowLabels`). A sample is ``dict(img_path,
window, width, height, ...)``; ``LoadRasterWindow`` reads its pixels. Windows of nodata
only are skipped (and counted on the console). Toolbox-free: the families' datasets wrap
:func:`raster_samples`.
"""
import os
import os.path as osp
import sys
from collections import namedtuple

import numpy as np

from ..errors import ZooError
from .raster import (RASTER_EXTENSIONS, as_pair, import_rasterio, metres, pixel_size_of,
                     window_valid, zoom_to, zoomed_size)
from .vectors import read_labels, to_pixels
from .windows import sample_windows

IGNORE_INDEX = 255  # segmentation: pixels left out of the loss and the metric (nodata, unlabelled)
RasterGrid = namedtuple('RasterGrid', 'path crs transform width height pixel_size')


def raster_paths(raster):
    """A raster file, a list of them, or a folder's rasters (sorted)."""
    if isinstance(raster, (list, tuple)):
        return [str(r) for r in raster]
    if osp.isdir(raster):
        found = sorted(
            osp.join(raster, n) for n in os.listdir(raster)
            if n.lower().endswith(RASTER_EXTENSIONS))
        if not found:
            raise ZooError(f'no rasters ({", ".join(RASTER_EXTENSIONS)}) in {raster}')
        return found
    return [str(raster)]


def open_grid(path):
    """Where a raster lies (CRS, transform, size), without reading its pixels."""
    rasterio = import_rasterio()
    if not osp.isfile(path):
        raise ZooError(f'no such raster: {path}')
    try:
        with rasterio.open(path) as ds:
            return RasterGrid(path, ds.crs, ds.transform, ds.width, ds.height, pixel_size_of(ds))
    except rasterio.errors.RasterioIOError as err:
        raise ZooError(f'{path}: not a raster GDAL can read ({err})') from None


class WindowLabels:
    """What a task's label of a training window is, made from the vector shapes it holds:
    one class a task (:data:`WINDOW_LABELS`), chosen once by :func:`window_labels`.
    ``classes``: the dataset's class names; ``unlabelled``: what pixels outside every
    shape are (segmentation only)."""

    name = None
    sampler = None  # a sampler the task needs whatever the config says

    def __init__(self, classes, unlabelled=None):
        if unlabelled is not None:
            raise ZooError(f'unlabelled={unlabelled!r}: only segmentation labels leave pixels '
                           f'unlabelled; a {self.name} dataset takes no unlabelled option')
        self.classes = list(classes)

    @property
    def background(self):
        """The class index of the pixels outside every shape, or None (they are not a
        class)."""
        return None

    def rule(self, labels):
        """The line the console says about unlabelled pixels, or None."""
        return None

    def check(self, shapes, path):
        """Refuse shapes this task cannot use (``path``: the labels file, for the message)."""

    def label(self, info, box, inside, shapes, min_kept):
        """Add the labels of window ``box`` (x0, y0, x1, y1) to the sample ``info``:
        ``inside`` are the ``(geometry, class)`` pairs meeting it, ``shapes`` all of them."""
        raise NotImplementedError


class MaskLabels(WindowLabels):
    """Segmentation: ``shapes``, ``(WKB, class index)`` pairs in window pixels that
    ``LoadRasterWindow`` burns into the window's mask, and ``unlabelled``, the mask value
    where no shape lies: :data:`IGNORE_INDEX` (``unlabelled='ignore'``, the default: left
    out of the loss and the metric, as GIS users label a few polygons per class) or the
    index of the class the config names (``unlabelled='water'``: every pixel outside the
    labels trains as water)."""

    name = 'segmentation'

    def __init__(self, classes, unlabelled=None):
        super().__init__(classes)
        self.unlabelled = 'ignore' if unlabelled is None else unlabelled
        if self.unlabelled != 'ignore' and self.unlabelled not in self.classes:
            raise ZooError(f'unlabelled={self.unlabelled!r}: use \'ignore\' (pixels outside '
                           'every label are left out of the loss and the metric) or the class '
                           f'they are, one of {self.classes}')
        self.fill = (
            IGNORE_INDEX if self.unlabelled == 'ignore' else self.classes.index(self.unlabelled))

    @property
    def background(self):
        return None if self.fill == IGNORE_INDEX else self.fill

    def rule(self, labels):
        if labels is None:
            return ('labels=None: every pixel of these windows is unlabelled (a '
                    'SemiSupervisedSegmentor learns them from its teacher)')
        where = osp.basename(str(labels))
        if self.background is None:
            return (f"{where}: pixels outside every label are unlabelled (unlabelled='ignore'):"
                    ' left out of the loss and the metric')
        return (f'{where}: every pixel outside the labels trains as class '
                f"{self.unlabelled!r} (unlabelled={self.unlabelled!r})")

    def label(self, info, box, inside, shapes, min_kept):
        from shapely import to_wkb
        from shapely.affinity import translate
        x0, y0, x1, y1 = box
        window = _box(box)
        info['shapes'] = [(to_wkb(translate(g.intersection(window), -x0, -y0)), lab)
                          for g, lab in inside]
        info['unlabelled'] = self.fill


class BoxLabels(WindowLabels):
    """Detection: ``instances`` (mmdet's: ``bbox`` x0 y0 x1 y1, ``bbox_label``,
    ``ignore_flag``); a shape cut by the window is kept when at least ``min_kept`` of its
    box is inside."""

    name = 'detection'

    def check(self, shapes, path):
        kinds = {g.geom_type for g, _ in shapes}
        if kinds - {'Polygon', 'MultiPolygon'}:
            raise ZooError(f'{path}: detection labels must be polygons (boxes or crowns); it '
                           f'holds {sorted(kinds)}')

    def label(self, info, box, inside, shapes, min_kept):
        x0, y0, x1, y1 = box
        info['instances'] = []
        for g, lab in inside:
            gx0, gy0, gx1, gy1 = g.bounds
            cx0, cy0 = max(gx0, x0), max(gy0, y0)
            cx1, cy1 = min(gx1, x1), min(gy1, y1)
            area = (gx1 - gx0) * (gy1 - gy0)
            if area > 0 and (cx1 - cx0) * (cy1 - cy0) >= min_kept * area:
                info['instances'].append(
                    dict(
                        bbox=[cx0 - x0, cy0 - y0, cx1 - x0, cy1 - y0],
                        bbox_label=lab,
                        ignore_flag=0))


class PointLabels(WindowLabels):
    """Classification: one window centred on each label (a point, or a polygon's
    centroid), ``gt_label`` the class of the label nearest its centre."""

    name, sampler = 'classification', 'labels'

    def label(self, info, box, inside, shapes, min_kept):
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        nearest = min(shapes, key=lambda s: (s[0].centroid.x - cx)**2 + (s[0].centroid.y - cy)**2)
        info['gt_label'] = nearest[1]


WINDOW_LABELS = {kind.name: kind for kind in (BoxLabels, MaskLabels, PointLabels)}


def window_labels(task, classes, unlabelled=None):
    """The :class:`WindowLabels` of a task name, for ``classes``."""
    if task not in WINDOW_LABELS:
        raise ZooError(f'raster samples: task {task!r} is not one of {tuple(WINDOW_LABELS)}')
    return WINDOW_LABELS[task](classes, unlabelled)


_SAID = set()  # rules already said in this process


def _say_once(line):
    if line and line not in _SAID:
        _SAID.add(line)
        print(line, file=sys.stderr)


def raster_samples(raster,
                   labels,
                   classes,
                   task,
                   windows,
                   class_field=None,
                   min_kept=0.5,
                   min_valid=0.0,
                   unlabelled=None,
                   reading=None,
                   res=None):
    """The samples of every raster of ``raster`` with the labels of the vector file
    ``labels`` (see the module); ``windows``: :func:`sample_windows`'s options (``size``,
    ``sampler``, ``overlap``, ``count``, ``jitter``, ``seed``, ``region``), in pixels of
    ``res``; ``unlabelled``: see :class:`MaskLabels`; ``reading``: the pipeline's
    ``RasterReading``, whose bands and nodata say which windows hold data (the check
    prediction makes).

    ``res`` (metres, one number or x, y; default the first raster's pixel size): rasters
    of another pixel size are sampled resampled to it, a sample's ``window`` then in the
    raster's own pixels and its ``out_shape`` (H, W) the size it is read at."""
    kind = window_labels(task, classes, unlabelled)
    windows = dict(windows)
    if labels is None:
        _check_unlabelled_source(raster, kind, windows)
    _say_once(kind.rule(labels))
    if 'size' not in windows:
        raise ZooError('windows.size (the side of a training window in pixels) is missing')
    if kind.sampler:
        windows['sampler'] = kind.sampler
    samples, skipped = [], 0
    for path in raster_paths(raster):
        grid = open_grid(path)
        res = grid.pixel_size if res is None else res
        zoom = training_zoom(grid, res)
        shapes = []
        if labels is not None:
            frame = read_labels(labels, grid, classes, class_field, kind.background)
            transform = grid.transform if zoom is None else grid.transform @ _scale(zoom)
            shapes = [(to_pixels(g, transform), int(lab))
                      for g, lab in zip(frame.geometry, frame.label)]
            kind.check(shapes, labels)
        centres = [(g.centroid.x, g.centroid.y) for g, _ in shapes]
        width, height = zoomed_size(grid.width, grid.height, zoom)
        found = sample_windows(width, height, centres=centres, **windows)
        kept = _with_data(grid, found, zoom, min_valid, reading)
        skipped += len(found) - len(kept)
        owned = _owned(found) if windows.get('sampler', 'grid') == 'grid' else {}
        samples += [
            _sample(grid, box, zoom, shapes, kind, min_kept, owned.get(box)) for box in kept
        ]
    if skipped:
        print(
            f'{osp.basename(str(labels))}: passed over {skipped} window(s) of nodata only',
            file=sys.stderr)
    if not samples:
        raise ZooError(f'no training windows from {raster} with {labels} ({dict(windows)}): '
                       'a larger region, a smaller windows.size or another sampler')
    return samples


def _check_unlabelled_source(raster, kind, windows):
    """``labels=None``: rasters whose every pixel is unlabelled, the unlabelled windows of a
    semi-supervised segmentor (other rasters of the survey); refused where nothing could
    learn from them."""
    if not isinstance(kind, MaskLabels) or kind.background is not None:
        raise ZooError(f'{raster}: labels=None (every pixel unlabelled) is for segmentation '
                       "windows with unlabelled='ignore', the unlabelled windows of a "
                       'SemiSupervisedSegmentor; give the labels file')
    if windows.get('sampler', 'grid') == 'labels':
        raise ZooError(f"{raster}: windows.sampler='labels' needs labels to centre windows on; "
                       "with labels=None use sampler='random' or 'grid'")


def training_zoom(grid, res):
    """``(zx, zy)``, the raster's pixels per training pixel of ``res`` metres, or None where
    they are the same size; said once a raster."""
    if res is None:
        return None
    if grid.pixel_size is None:
        raise ZooError(f'{grid.path} has no CRS, so its pixel size is unknown and it cannot be '
                       f'resampled to res={as_pair(res)} m: georeference it, or train on '
                       'rasters of one pixel size without res')
    zoom = zoom_to(grid.pixel_size, res, tolerance=1e-5)  # training resamples any difference
    if zoom is not None:
        _say_once(f'{osp.basename(grid.path)}: pixels of {metres(grid.pixel_size)} m, read '
                  f'resampled to {metres(res)} m (res) for training')
    return zoom


def _scale(zoom):
    from affine import Affine
    return Affine.scale(*zoom)


def _native(box, zoom):
    """A window in training pixels -> the same in the raster's pixels."""
    if zoom is None:
        return box
    x0, y0, x1, y1 = box
    zx, zy = zoom
    return (x0 * zx, y0 * zy, x1 * zx, y1 * zy)


def _box(box):
    from shapely import box as make_box
    return make_box(*box)


def _with_data(grid, boxes, zoom, min_valid, reading=None):
    """The windows (training pixels) with more than ``min_valid`` of valid pixels, from a
    decimated read through the one nodata check of training and prediction
    (``raster.window_valid``: the reading's bands and nodata, else every band and GDAL's
    masks)."""
    rasterio = import_rasterio()
    kept = []
    with rasterio.open(grid.path) as ds:
        bands = list(range(1, ds.count + 1))
        nodata = None
        if reading is not None:
            bands = list(reading.bands or range(1, min(reading.channels, ds.count) + 1))
            nodata = reading.nodata
        for box in boxes:
            x0, y0, x1, y1 = box
            shape = (min(32, y1 - y0), min(32, x1 - x0))
            share = float(window_valid(ds, bands, nodata, _native(box, zoom), shape).mean())
            if share > min_valid:
                kept.append(box)
    return kept


def _owned(boxes):
    """For the grid's windows that overlap their neighbours (the last of a row or column
    may): ``{box: (x0, y0, x1, y1)}``, the part of each window (window pixels) up to the
    next window's start (the last one's up to its end), so that each pixel of a grid is
    scored once, not once a window holding it."""
    xs, ys = sorted({b[0] for b in boxes}), sorted({b[1] for b in boxes})
    found = {}
    for box in boxes:
        x0, y0, x1, y1 = box
        ox1 = min([x1] + [x for x in xs if x > x0])
        oy1 = min([y1] + [y for y in ys if y > y0])
        if (ox1, oy1) != (x1, y1):
            found[box] = (0, 0, ox1 - x0, oy1 - y0)
    return found


def _sample(grid, box, zoom, shapes, kind, min_kept, owned=None):
    x0, y0, x1, y1 = box
    info = dict(img_path=grid.path, window=_native(box, zoom), width=x1 - x0, height=y1 - y0)
    if zoom is not None:
        info['out_shape'] = (y1 - y0, x1 - x0)
    if owned is not None:
        info['owned'] = owned
    window = _box(box)
    inside = [(g, lab) for g, lab in shapes if g.intersects(window)]
    kind.label(info, box, inside, shapes, min_kept)
    return info


def burn(shapes, height, width, fill=0):
    """``shapes`` of a sample -> the ``height`` x ``width`` class mask (uint8; ``fill``
    where no shape lies, later shapes over earlier ones)."""
    from rasterio.features import rasterize
    from shapely import from_wkb
    if not shapes:
        return np.full((height, width), fill, np.uint8)
    return rasterize([(from_wkb(w), int(lab)) for w, lab in shapes],
                     out_shape=(height, width),
                     fill=fill,
                     dtype='uint8')
