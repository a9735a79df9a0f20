# Demo geospatial segmentation: the demo U-Net on 4 bands (R, G, B, NIR) of a 16-bit GeoTIFF
# with GeoPackage labels; a 4-band model is these keys: in_channels and a mean/std per band.
# Predict on the whole raster (a class GeoTIFF with its CRS) with tools/infer.py.
_base_ = [
    '../_base_/models/unet-course.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/datasets/demo_geo_shoreline-4band.py',
    '../_base_/schedules/course_adam.py',
]
model = dict(
    data_preprocessor=dict(
        size_divisor=16, mean=[123.675, 116.28, 103.53, 127.5], std=[58.395, 57.12, 57.375, 64.0]),
    backbone=dict(in_channels=4, depth=4),
    decode_head=dict(in_channels=[16, 32, 64, 128, 256]))
param_scheduler = dict(ramp=2)
train_cfg = dict(max_epochs=10)
