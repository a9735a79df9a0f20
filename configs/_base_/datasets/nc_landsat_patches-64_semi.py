# Few labels on a real satellite scene: 16 px windows (28.5 m pixels) of the North
# Carolina Landsat 7 scene around its labelled reference points, false colour (near
# infrared, red, green), enlarged to 64 px; 4 land-cover classes (developed, forest,
# herbaceous, shrubland: 160, 263, 60 and 31 training windows). As the semi-supervised
# demo data is used: `labels_per_class` training windows of each class drawn with
# `split_seed` keep their labels, the others are the unlabelled set. Everything else as
# demo_textures_semi.py (flips suit images seen from above).
#   python tools/dataset_converters/nc_landsat.py
#   python tools/dataset_converters/nc_landsat_patches.py
_base_ = ['./demo_textures_semi.py']
demo_data = None
data_root = 'data/nc-landsat-patches'
classes = ('developed', 'forest', 'herbaceous', 'shrubland')
num_classes = len(classes)
data_preprocessor = dict(num_classes=num_classes)
patches = dict(data_root=data_root, classes=classes)
train_dataloader = dict(dataset=patches)
val_dataloader = dict(dataset=patches)
test_dataloader = dict(dataset=dict(data_prefix='test', **patches))
