"""Geospatial rasters and vector labels: reading by windows (``raster``), labels in map
coordinates brought into pixels (``vectors``), results written back to map coordinates
(``outputs``). Torch-free, for the ONNX runtime too; the training side lives in
``datasets`` and ``transforms``."""
