"""``LoadRasterWindow``: the pipeline step that reads a sample's window of a raster, where a
picture pipeline has ``LoadImageFromFile``. It is the one place a config states how raster
values become input (``bands``, ``scaling``, ``nodata``: see ``raster.RasterReading``); the
exporter copies it into ``model.json``, so prediction reads rasters the same way.

Registered in mmcv's ``TRANSFORMS``, which mmdet's, mmseg's and mmpretrain's registries
search, so every family's pipelines find it.
"""
import os

import numpy as np
from mmcv.transforms import TRANSFORMS, BaseTransform

from ..geo.raster import RasterReading, bound_gdal_cache, pipeline_order
from ..geo.samples import IGNORE_INDEX, burn


@TRANSFORMS.register_module()
class LoadRasterWindow(BaseTransform):
    """Read ``results['window']`` (x0, y0, x1, y1 pixels) of ``results['img_path']``:
    ``img`` (float32, 0-255, bands in input order, three of them as BGR like OpenCV's
    pictures), ``img_shape``/``ori_shape``; with ``shapes`` in the sample (segmentation)
    also ``gt_seg_map``: the shapes' classes, the sample's ``unlabelled`` value where none
    lies, nodata pixels set to ``ignore_index``, and so are the pixels of a grid window
    outside its ``owned`` part (those another window of the grid scores).

    What the dataset found over all its rasters goes with each sample: ``out_shape`` (a
    window of a raster of another pixel size, read resampled to the dataset's ``res``) and
    ``scaling`` (a percentile rule as the numbers it gives over all training rasters,
    which replace each raster's own percentiles)."""

    def __init__(self, bands=None, scaling=None, nodata=None, ignore_index=IGNORE_INDEX):
        self.reading = RasterReading(bands, scaling, nodata, channels=len(bands) if bands else 3)
        self.ignore_index = ignore_index
        self._open = {}  # (process, path) -> RasterSource: a GDAL handle is not fork-safe

    def source(self, path, scaling=None):
        key = (os.getpid(), path)
        if key not in self._open:
            if not any(pid == os.getpid() for pid, _ in self._open):
                bound_gdal_cache()  # once a process: data-loader workers read rasters too
            reading = self.reading
            if scaling is not None:
                reading = RasterReading(
                    reading.bands, scaling, reading.nodata, channels=reading.channels)
            self._open[key] = reading.open(path)
        return self._open[key]

    def __getstate__(self):  # data-loader workers open their own handles
        state = dict(self.__dict__)
        state['_open'] = {}
        return state

    def transform(self, results):
        x0, y0, x1, y1 = results['window']
        source = self.source(results['img_path'], results.get('scaling'))
        image, valid = source.read(x0, y0, x1, y1, results.get('out_shape'))
        results['img'] = pipeline_order(image)
        results['img_shape'] = results['ori_shape'] = image.shape[:2]
        if 'shapes' in results:
            mask = burn(results['shapes'], *image.shape[:2], fill=results.get('unlabelled', 0))
            mask[~valid] = self.ignore_index
            if 'owned' in results:  # a grid window's part another window scores
                ox0, oy0, ox1, oy1 = results['owned']
                owned = np.zeros(mask.shape, bool)
                owned[oy0:oy1, ox0:ox1] = True
                mask[~owned] = self.ignore_index
            results['gt_seg_map'] = mask
            results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def __repr__(self):
        return f'{type(self).__name__}({self.reading.as_dict()})'


__all__ = ['LoadRasterWindow']
