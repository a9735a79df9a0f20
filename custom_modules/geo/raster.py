"""Reading a raster (GeoTIFF, COG, any file GDAL opens) window by window, as a network input.

A :class:`RasterReading` is the one statement of how raster values become the network's
input: which bands, in which order (``bands=(4, 3, 2)``; default the first ones the network
takes), how values are scaled to the 0-255 range the model's mean/std expect, and which
value is nodata. Scaling is never an implicit cast:

- ``None`` (the default): 8-bit rasters are used as they are; any other data type is
  refused with a message naming the rules below;
- ``'dtype'``: the data type's range (uint16 0-65535) maps onto 0-255;
- ``dict(type='percentile', low=2, high=98)``: per band, the low/high percentiles of the
  valid pixels (from a decimated read of the whole raster, so the same for every window)
  map onto 0-255;
- ``dict(type='minmax', min=..., max=...)``: given values (one for all bands, or one a band).

A window is read with rasterio's ``Window`` (memory bounded by the window), scaled, and
returned as ``float32 H x W x C`` with its validity mask (``False`` on nodata). Torch-free:
the ONNX runtime reads rasters through this module too.
"""
import os
import os.path as osp

import numpy as np

from ..errors import ZooError

RASTER_EXTENSIONS = ('.tif', '.tiff', '.vrt', '.img', '.jp2')
STATS_SIDE = 1024  # the decimated read percentile statistics come from (longest side)
# GDAL keeps decoded blocks of every raster it reads or writes in one cache, by default 5 %
# of the machine's memory (6 GB on a 128 GB node, in every data-loader worker): bounded to
# this, so that a raster read once from top to bottom costs a strip of memory, not a cache
# that grows with it. GDAL_CACHEMAX in the environment wins. In bytes: rasterio hands an
# integer GDAL_CACHEMAX to GDALSetCacheMax64, which takes bytes, not GDAL's megabytes
# (https://github.com/rasterio/rasterio/pull/1042; 256 there is a 256-byte cache).
GDAL_CACHE_BYTES = 256 * 2**20


def import_rasterio():
    """rasterio, or a one-line error saying how to install it."""
    try:
        import rasterio
    except ImportError:
        raise ZooError('reading rasters needs rasterio: pip install -r requirements/runtime.txt '
                       '(tools/install.sh installs it)') from None
    return rasterio


# Reading a remote file (a GDAL /vsi path: /vsicurl/, /vsis3/, ...): no listing of its
# folder for side-car files (a request a file on object storage, for nothing), and retries
# of a failed range request. Options set in the environment win.
REMOTE_OPTIONS = dict(
    GDAL_DISABLE_READDIR_ON_OPEN='EMPTY_DIR', GDAL_HTTP_MAX_RETRY='3', GDAL_HTTP_RETRY_DELAY='1')


def gdal_cache_env(path=None):
    """A ``rasterio.Env`` bounding GDAL's block cache to :data:`GDAL_CACHE_BYTES` while it is
    entered (unless GDAL_CACHEMAX is set in the environment), with :data:`REMOTE_OPTIONS`
    for a ``path`` GDAL reads remotely."""
    rasterio = import_rasterio()
    options = {} if 'GDAL_CACHEMAX' in os.environ else dict(GDAL_CACHEMAX=GDAL_CACHE_BYTES)
    if path and path.startswith('/vsi'):
        options.update({k: v for k, v in REMOTE_OPTIONS.items() if k not in os.environ})
    return rasterio.Env(**options)


def bound_gdal_cache():
    """Bound GDAL's block cache of this process to :data:`GDAL_CACHE_BYTES` (unless
    GDAL_CACHEMAX is set in the environment): for the processes that only read training
    windows, the data-loader workers."""
    if 'GDAL_CACHEMAX' not in os.environ:
        import_rasterio()
        from rasterio.env import set_gdal_config
        set_gdal_config('GDAL_CACHEMAX', GDAL_CACHE_BYTES)


def parse_scaling(text):
    """``--scale`` text -> a scaling rule: ``dtype``, ``percentile`` or ``percentile:LOW,HIGH``,
    ``MIN:MAX`` or ``MIN1,MIN2,..:MAX1,MAX2,..`` (one value a band)."""
    if text in (None, '', 'none'):
        return None
    if text == 'dtype':
        return 'dtype'
    try:
        if text.startswith('percentile'):
            low, high = (text.split(':', 1)[1].split(',') if ':' in text else (2, 98))
            return dict(type='percentile', low=float(low), high=float(high))
        low, high = text.split(':')
        return dict(
            type='minmax',
            min=[float(v) for v in low.split(',')],
            max=[float(v) for v in high.split(',')])
    except ValueError:
        raise ZooError(f'--scale {text!r}: use dtype, percentile, percentile:LOW,HIGH, MIN:MAX '
                       'or MIN1,MIN2,..:MAX1,MAX2,.. (one value a band)') from None


def check_scaling(scaling):
    """A scaling rule from a config or ``--scale``, checked; returns it normalised."""
    if scaling in (None, 'dtype'):
        return scaling
    if isinstance(scaling, str):
        return check_scaling(parse_scaling(scaling))
    kind = dict(scaling).get('type')
    if kind == 'percentile':
        low, high = float(scaling.get('low', 2)), float(scaling.get('high', 98))
        if not 0 <= low < high <= 100:
            raise ZooError(f'scaling {dict(scaling)}: need 0 <= low < high <= 100')
        return dict(type='percentile', low=low, high=high)
    if kind == 'minmax':
        low, high = np.atleast_1d(scaling['min']), np.atleast_1d(scaling['max'])
        if low.shape != high.shape or np.any(high <= low):
            raise ZooError(f'scaling {dict(scaling)}: min and max need the same length and '
                           'max > min for every band')
        return dict(type='minmax', min=low.tolist(), max=high.tolist())
    raise ZooError(f'scaling {scaling!r}: use None (8-bit as is), \'dtype\', '
                   "dict(type='percentile', low=2, high=98) or dict(type='minmax', min=.., "
                   'max=..)')


def pixel_size_of(ds):
    """``[x, y]`` pixel size in metres of an open rasterio dataset (a geographic CRS
    converted at its centre), or None without a CRS."""
    if ds.crs is None:
        return None
    size_x, size_y = abs(ds.transform.a), abs(ds.transform.e)
    if ds.crs.is_geographic:
        lat = np.radians((ds.bounds.bottom + ds.bounds.top) / 2)
        size_x, size_y = size_x * 111320 * np.cos(lat), size_y * 110574
    else:
        factor = ds.crs.linear_units_factor[1] if ds.crs.linear_units else 1.0
        size_x, size_y = size_x * factor, size_y * factor
    return [round(float(size_x), 6), round(float(size_y), 6)]


def raster_facts(path):
    """What a model trained on the raster at ``path`` should know of its ground: the data
    type, band count, CRS and pixel size in metres (:func:`pixel_size_of`), as plain data
    (``dataset_meta['raster']`` of a raster dataset)."""
    rasterio = import_rasterio()
    with rasterio.open(path) as ds:
        dtypes = sorted(set(ds.dtypes))
        return dict(
            dtype=dtypes[0] if len(dtypes) == 1 else dtypes,
            bands=ds.count,
            crs=ds.crs.to_string() if ds.crs is not None else None,
            pixel_size=pixel_size_of(ds))


def metres(size):
    """A pixel size ``[x, y]`` (or one number) in words: ``0.5`` or ``0.964 x 1.11``."""
    x, y = np.broadcast_to(np.float64(size), (2, ))
    return f'{x:.3g}' if np.isclose(x, y, rtol=0.01) else f'{x:.3g} x {y:.3g}'


def describe_ground(facts):
    """:func:`raster_facts` (with a ``scaling``) in words, for summaries, cards and the zoo:
    ``uint16, 4 bands, EPSG:32617, 0.5 m pixels, values 0-10200 -> 0-255`` (one range a
    band where they differ)."""
    parts = [str(facts.get('dtype')), f'{facts.get("bands")} bands', facts.get('crs') or 'no CRS']
    if facts.get('pixel_size'):
        parts.append(f'{metres(facts["pixel_size"])} m pixels')
    scaling = facts.get('scaling')
    if isinstance(scaling, dict) and scaling.get('type') == 'minmax':
        ranges = [f'{low:g}-{high:g}' for low, high in zip(scaling['min'], scaling['max'])]
        ranges = ranges if len(set(ranges)) > 1 else ranges[:1]  # one a band where they differ
        parts.append(f'values {" / ".join(ranges)} -> 0-255')
    return ', '.join(parts)


RESAMPLE_TOLERANCE = 0.1  # a pixel size this far (share) from the model's is read resampled


def as_pair(size):
    """A pixel size given as one number or ``[x, y]`` -> ``[x, y]`` floats."""
    return [float(v) for v in np.broadcast_to(np.float64(size), (2, ))]


def zoomed_size(width, height, zoom):
    """``(width, height)`` of a raster in pixels of another size (``zoom``: its pixels per
    such pixel, :func:`zoom_to`; None: as it is)."""
    if zoom is None:
        return width, height
    return max(1, round(width / zoom[0])), max(1, round(height / zoom[1]))


def zoom_to(pixel_size, target, tolerance=RESAMPLE_TOLERANCE):
    """``(zx, zy)``: a raster's pixels per pixel of the ``target`` pixel size (metres, a
    number or ``[x, y]``), or None where the raster's ``pixel_size`` is within
    ``tolerance`` of it on both axes (or either is unknown)."""
    if pixel_size is None or target is None:
        return None
    zoom = np.float64(as_pair(target)) / np.float64(pixel_size)
    if np.all(np.abs(zoom - 1) <= tolerance):
        return None
    return float(zoom[0]), float(zoom[1])


CLIPPED_SHARE = 0.5  # more than this share of pixels at one end of the scaling: refused


class RasterReading:
    """How a raster becomes network input: ``bands`` (1-based, in input order; None: the
    first ``channels``), ``scaling`` (see the module) and ``nodata`` (None: the raster's
    own). ``channels`` is the number of input channels the network takes. ``trained_on``
    (a model's reading, at prediction): the data type of the model's training rasters; a
    raster of another type, or whose values mostly fall outside ``scaling``, is refused
    (the user's ``--scale`` replaces ``scaling`` and lets it through). ``pixel_size``
    (metres; a model's, at prediction): a raster whose pixels differ from it by more than
    :data:`RESAMPLE_TOLERANCE` is read resampled to it (``resample``; False reads every
    raster at its own pixel size)."""

    def __init__(self,
                 bands=None,
                 scaling=None,
                 nodata=None,
                 channels=3,
                 trained_on=None,
                 pixel_size=None,
                 resample=True):
        self.bands = tuple(int(b) for b in bands) if bands else None
        self.scaling = check_scaling(scaling)
        self.nodata, self.channels, self.trained_on = nodata, channels, trained_on
        self.pixel_size, self.resample = pixel_size, resample
        if self.bands and len(self.bands) != channels:
            raise ZooError(f'bands {self.bands}: {len(self.bands)} bands, but the network takes '
                           f'{channels} input channels (in_channels and mean/std); choose '
                           f'{channels} bands or change the model')

    def as_dict(self):
        return dict(bands=self.bands, scaling=self.scaling, nodata=self.nodata)

    def open(self, path):
        return RasterSource(path, self)


class RasterSource:
    """One raster opened for reading windows under a :class:`RasterReading`. Windows are
    in the raster's own pixels; where the reading's pixel size asks for it (``zoom``: the
    raster's pixels per model pixel, None when read as it is) :meth:`read` returns them
    resampled to the model's pixel size and :meth:`windows` makes them ``tile`` model
    pixels wide, so the tasks write their outputs on the raster's own grid."""

    def __init__(self, path, reading):
        rasterio = import_rasterio()
        if not (osp.isfile(path) or path.startswith('/vsi')):  # GDAL paths: remote files
            raise ZooError(f'no such raster: {path}')
        try:
            self.dataset = rasterio.open(path)
        except rasterio.errors.RasterioIOError as err:
            raise ZooError(f'{path}: not a raster GDAL can read ({err})') from None
        self.path, self.reading = path, reading
        ds = self.dataset
        count = ds.count
        self.bands = reading.bands or tuple(range(1, reading.channels + 1))
        missing = [b for b in self.bands if not 1 <= b <= count]
        if missing:
            raise ZooError(f'{path} has {count} band(s) (1-{count}); bands {missing} were asked '
                           f'for: choose bands that exist (--bands, or the reading\'s bands)')
        if not reading.bands and count < reading.channels:
            raise ZooError(f'{path} has {count} band(s) but the network takes '
                           f'{reading.channels} input channels: choose bands, e.g. --bands '
                           f'{" ".join(["1"] * reading.channels)}')
        self.dtype = np.dtype(ds.dtypes[self.bands[0] - 1])
        if reading.scaling is None and self.dtype != np.uint8:
            raise ZooError(f'{path} holds {self.dtype} values: say how to scale them to the '
                           'network\'s 0-255 input, never cut silently: --scale dtype (the '
                           "type's range), --scale percentile (2-98 per band) or --scale "
                           'MIN:MAX (the reading\'s scaling in a config)')
        self.nodata = reading.nodata if reading.nodata is not None else ds.nodata
        self.width, self.height = ds.width, ds.height
        self.crs, self.transform = ds.crs, ds.transform
        self.pixel_size = pixel_size_of(ds)
        self.zoom_needed = zoom_to(self.pixel_size, reading.pixel_size)
        self.zoom = self.zoom_needed if reading.resample else None
        if reading.trained_on:
            self._check_type(reading.trained_on)
        self._low, self._high = self._scale_range()
        if reading.trained_on and isinstance(reading.scaling, dict) \
                and reading.scaling['type'] == 'minmax':
            self._check_range()

    def _check_type(self, trained_on):
        expected = np.dtype(trained_on)
        if self.dtype != expected:
            raise ZooError(f'{self.path} holds {self.dtype} values but the model was trained on '
                           f'{expected} rasters (scaling {self.reading.scaling}): its values '
                           'would reach the network on another scale; give --scale (dtype, '
                           'percentile or MIN:MAX) to read it anyway')

    def _check_range(self):
        """Refuse a raster whose values mostly fall at one end of the scaling's range."""
        values, valid = self._decimated(require_data=False)
        if not valid.any():
            return
        values = values[:, valid]
        low, high = self._low[:, None], self._high[:, None]
        for end, share in (('below', (values <= low).mean()), ('above', (values >= high).mean())):
            if share > CLIPPED_SHARE:
                raise ZooError(f'{self.path}: {100 * share:.0f} % of its values are at or '
                               f'{end} the model\'s scaling range ({self.reading.scaling}): '
                               'they would reach the network as one flat value; give --scale '
                               '(dtype, percentile or MIN:MAX) to read it anyway')

    @property
    def georeferenced(self):
        return self.crs is not None

    def close(self):
        self.dataset.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _scale_range(self):
        """Per band (low, high) raw values that map onto 0 and 255."""
        scaling, n = self.reading.scaling, len(self.bands)
        if scaling is None:
            return np.zeros(n, np.float64), np.full(n, 255.0)
        if scaling == 'dtype':
            if not np.issubdtype(self.dtype, np.integer):
                raise ZooError(f'{self.path} holds {self.dtype} values, which have no natural '
                               'range: scale them with --scale percentile or MIN:MAX')
            info = np.iinfo(self.dtype)
            return np.full(n, float(info.min)), np.full(n, float(info.max))
        if scaling['type'] == 'minmax':
            low, high = (
                np.broadcast_to(np.float64(v), (n, )).copy()
                for v in (scaling['min'], scaling['max']))
            if len(scaling['min']) not in (1, n):
                raise ZooError(f'scaling min/max give {len(scaling["min"])} values but {n} '
                               'bands are read: give one value, or one a band')
            return low, high
        return self._percentiles(scaling['low'], scaling['high'])

    def _decimated(self, require_data=True):
        """``(bands x H x W float64 values, H x W valid)`` of a read whose longest side is
        :data:`STATS_SIDE`; a one-line error when every pixel is nodata (``require_data``)."""
        factor = max(self.width, self.height) / STATS_SIDE
        shape = (max(1,
                     round(self.height / max(factor, 1))), max(1,
                                                               round(self.width / max(factor, 1))))
        values = self.dataset.read(
            self.bands, out_shape=(len(self.bands), *shape), masked=True).astype(np.float64)
        valid = self._valid(values)
        if require_data and not valid.any():
            raise ZooError(f'{self.path}: every pixel is nodata ({self.nodata})')
        return np.asarray(values), valid

    def _percentiles(self, low, high):
        values, valid = self._decimated()
        lows, highs = [], []
        for band in values:
            v = np.asarray(band)[valid]
            lows.append(np.percentile(v, low))
            highs.append(max(np.percentile(v, high), lows[-1] + 1e-6))
        return np.float64(lows), np.float64(highs)

    def _valid(self, masked):
        return valid_of(masked, self.nodata)

    def model_shape(self, x0, y0, x1, y1):
        """``(H, W)`` model pixels of a window of the raster (None: read as it is)."""
        if self.zoom is None:
            return None
        zx, zy = self.zoom
        return max(1, round((y1 - y0) / zy)), max(1, round((x1 - x0) / zx))

    def read(self, x0, y0, x1, y1, out_shape=None):
        """Window ``[x0, x1) x [y0, y1)`` (the raster's pixels) -> ``(float32 H x W x C in
        0-255, in band order, valid H x W bool)``; parts outside the raster read as nodata.
        ``H x W`` is ``out_shape`` (the window resampled: bilinear for values, nearest for
        validity), else :meth:`model_shape`, else the window's."""
        from rasterio.enums import Resampling
        from rasterio.windows import Window
        window = Window(x0, y0, x1 - x0, y1 - y0)
        out_shape = out_shape or self.model_shape(x0, y0, x1, y1)
        if out_shape is None:
            raw = self.dataset.read(self.bands, window=window, masked=True, boundless=True)
            valid = self._valid(raw)
        else:
            raw = self.dataset.read(
                self.bands,
                window=window,
                out_shape=(len(self.bands), *out_shape),
                masked=True,
                boundless=True,
                resampling=Resampling.bilinear)
            valid = self.valid(x0, y0, x1, y1, out_shape)
        low, high = (v.astype(np.float32)[:, None, None] for v in (self._low, self._high))
        scaled = (np.asarray(raw, np.float32) - low) * (np.float32(255) / (high - low))
        scaled = np.clip(scaled, 0, 255)
        scaled[:, ~valid] = 0
        return np.ascontiguousarray(scaled.transpose(1, 2, 0)), valid

    def windows(self, tile, overlap):
        """``(x0, y0, x1, y1)`` (the raster's pixels) of the prediction grid: windows of
        ``tile`` model pixels sharing ``overlap``, the last ones ending at the edges."""
        from .windows import windows
        if self.zoom is None:
            return windows(self.height, self.width, tile, overlap)
        zx, zy = self.zoom
        width, height = zoomed_size(self.width, self.height, self.zoom)

        def native(v, end, size, zoom):
            return size if v == end else min(size, round(v * zoom))

        return [(native(x0, width, self.width, zx), native(y0, height, self.height, zy),
                 native(x1, width, self.width, zx), native(y1, height, self.height, zy))
                for x0, y0, x1, y1 in windows(height, width, tile, overlap)]

    def native_side(self, side):
        """``side`` model pixels in the raster's pixels (the larger of the two axes)."""
        return side if self.zoom is None else max(1, round(side * max(self.zoom)))

    def valid(self, x0, y0, x1, y1, out_shape=None):
        """``H x W`` bool of a window (or of ``out_shape``, decimated): False on nodata and
        outside the raster (:func:`window_valid`)."""
        return window_valid(self.dataset, self.bands, self.nodata, (x0, y0, x1, y1), out_shape)


def valid_of(masked, nodata):
    """``H x W`` bool of a masked ``bands x H x W`` read: False where every band is nodata
    (or masked by GDAL), as GDAL's dataset mask: a bright pixel of an 8-bit raster whose
    nodata is 255 in one band only is data."""
    valid = ~np.ma.getmaskarray(masked).all(axis=0)
    if nodata is not None and not np.isnan(nodata):
        valid &= ~(np.asarray(masked) == nodata).all(axis=0)
    return valid


def window_valid(dataset, bands, nodata, box, out_shape=None):
    """The one nodata check of training and prediction: ``H x W`` bool of window ``box``
    (x0, y0, x1, y1) of the open ``dataset``'s ``bands`` (or of ``out_shape``, read with
    nearest resampling), False where every band is ``nodata`` (None: GDAL's masks, the
    raster's own nodata) and outside the raster."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window
    x0, y0, x1, y1 = box
    window = Window(x0, y0, x1 - x0, y1 - y0)
    shape = None if out_shape is None else (len(bands), *out_shape)
    if nodata is None:
        masks = dataset.read_masks(bands, window=window, out_shape=shape, boundless=True)
        return (masks > 0).any(axis=0)
    return valid_of(
        dataset.read(
            bands,
            window=window,
            out_shape=shape,
            masked=True,
            boundless=True,
            resampling=Resampling.nearest), nodata)


def training_scaling(paths, reading):
    """A percentile rule as the numbers it gives over the training rasters ``paths`` (the
    valid pixels of their decimated reads, pooled): ``dict(type='minmax', min=[..], max=[..])``,
    a band each, which prediction uses so that every raster of a survey is stretched as
    the training rasters were, not by its own percentiles (Raster Vision's stats
    analyser does the same); None for the other rules, which are numbers already."""
    scaling = reading.scaling
    if not (isinstance(scaling, dict) and scaling['type'] == 'percentile'):
        return None
    pooled = []
    for path in paths:
        with RasterSource(path, reading) as source:
            values, valid = source._decimated()
            pooled.append(values[:, valid])
    values = np.concatenate(pooled, axis=1)
    low = np.percentile(values, scaling['low'], axis=1)
    high = np.maximum(np.percentile(values, scaling['high'], axis=1), low + 1e-6)
    return dict(type='minmax', min=low.tolist(), max=high.tolist())


def pipeline_order(image):
    """Bands in input order -> the order a training pipeline's images have: OpenCV's BGR
    for three channels (the data pre-processor turns it back to RGB, so band 1 is the
    network's first channel as the red of a photo is), as they are for any other count."""
    return np.ascontiguousarray(image[..., ::-1]) if image.shape[-1] == 3 else image


def is_raster(path):
    """Whether ``path`` needs reading as a raster rather than a picture: a raster file with
    a CRS, or one whose data type or band count OpenCV would change silently."""
    if not path.lower().endswith(RASTER_EXTENSIONS):
        return False
    try:
        rasterio = import_rasterio()
    except ZooError:
        return False
    try:
        with rasterio.open(path) as ds:
            return (ds.crs is not None or ds.count not in (1, 3)
                    or any(np.dtype(t) != np.uint8 for t in ds.dtypes))
    except rasterio.errors.RasterioIOError:
        return False
