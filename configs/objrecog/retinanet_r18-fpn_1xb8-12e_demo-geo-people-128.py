# Demo geospatial detection: the demo RetinaNet trained from a GeoTIFF and a GeoPackage of
# boxes; tools/infer.py on the raster writes the boxes back as a GeoPackage in its CRS.
_base_ = [
    '../_base_/models/retinanet_r18-fpn-light_course.py',
    '../_base_/default_runtime_mmdet.py',
    '../_base_/datasets/demo_geo_people-128.py',
    '../_base_/schedules/course_sgd.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = dict(ramp=2, start=1e-4, floor=1e-4)
train_cfg = dict(max_epochs=12)
