"""What the families' raster datasets share: the options of a dataset that takes rasters and a
vector file of labels instead of picture files, and its ``load_data_list``.

    dataset=dict(
        type='RasterBoxDataset',              # or RasterMaskDataset, RasterPointDataset
        raster='orthomosaic.tif',             # a file, a list, or a folder of rasters
        labels='crowns.gpkg',                 # GeoPackage, GeoJSON, shapefile...
        class_field='species',                # None: one class (segmentation: class 1)
        windows=dict(size=400, sampler='labels', seed=0, region=(0, 0, 1, 0.8)),
        res=None,                             # metres; default the first raster's pixel size
        pipeline=[dict(type='LoadRasterWindow', bands=(1, 2, 3)), ...])

Paths are under ``data_root`` when relative. ``windows`` takes the options of
``custom_modules.geo.windows.sample_windows``; a validation dataset on the same raster
takes another ``region``. Rasters of other pixel sizes than ``res`` are read resampled
to it, and ``res`` is the pixel size the model records as its own.
"""
import os.path as osp

from ..geo.raster import as_pair, raster_facts, training_scaling
from ..geo.samples import raster_paths, raster_samples


class RasterSamplesMixin:
    """Put before the toolbox's dataset class; a subclass sets ``TASK``, may pass more
    options to ``raster_samples`` (``sample_options``) and add fields to each sample in
    ``finish_sample``."""

    TASK = None

    def __init__(self,
                 raster,
                 labels,
                 windows,
                 class_field=None,
                 min_kept=0.5,
                 min_valid=0.0,
                 res=None,
                 **kwargs):
        self.raster, self.labels, self.windows = raster, labels, dict(windows)
        self.class_field, self.min_kept, self.min_valid = class_field, min_kept, min_valid
        self.res = res
        super().__init__(ann_file='', **kwargs)

    def _under_root(self, path):
        if path is None:  # labels=None: an unlabelled segmentation source
            return None
        if isinstance(path, (list, tuple)):
            return [self._under_root(p) for p in path]
        return path if osp.isabs(path) else osp.join(self.data_root or '', path)

    def load_data_list(self):
        readings = [
            t.reading for t in getattr(self.pipeline, 'transforms', []) if hasattr(t, 'reading')
        ]
        reading = readings[0] if readings else None
        paths = raster_paths(self._under_root(self.raster))
        facts = raster_facts(paths[0])
        res = self.res if self.res is not None else facts['pixel_size']
        samples = raster_samples(
            paths,
            self._under_root(self.labels),
            list(self.metainfo['classes']),
            self.TASK,
            self.windows,
            class_field=self.class_field,
            min_kept=self.min_kept,
            min_valid=self.min_valid,
            reading=reading,
            res=res,
            **self.sample_options())
        # the ground the model is trained on, saved with it (the checkpoint's dataset_meta)
        # and told to prediction through model.json: the first raster's facts at the
        # training pixel size, and a percentile scaling as the numbers it gives over the
        # training rasters, with which every training window is read too
        if res is not None:
            facts['pixel_size'] = as_pair(res)
        scaling = training_scaling(paths, reading) if reading else None
        if scaling is not None:
            facts['scaling'] = scaling
            for sample in samples:
                sample['scaling'] = scaling
        self._metainfo['raster'] = facts
        return [self.finish_sample(i, s) for i, s in enumerate(samples)]

    def sample_options(self):
        return {}

    def finish_sample(self, index, sample):
        return sample
