"""Geospatial rasters and vector labels: reading by windows (``raster``), labels in map
coordinates brought into pixels (``vectors``), results written back to map coordinates
(``outputs``), the grid of windows (``windows``) and the labelled windows of a raster
(``samples``). Torch-free, for the ONNX runtime too; the training side (the raster
datasets and ``LoadRasterWindow``) lives in ``custom_modules.datasets``."""
