"""Readers that several families share: image files, TFRecords, the bad-sample policy, and
the raster datasets' shared part (``rasters``) with ``LoadRasterWindow``
(``raster_transforms``, in mmcv's ``TRANSFORMS``). No toolbox imports here."""
