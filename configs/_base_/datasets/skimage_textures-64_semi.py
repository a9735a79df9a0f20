# Few labels on real photographs: 16 px patches of scikit-image's brick, grass and gravel
# texture photographs (grey, enlarged to 64 px; 2,457 training, 192 val and 192 test
# patches a class, cut from bands of each photograph that share no pixel), as the
# semi-supervised demo data
# is used: `labels_per_class` training patches of each class drawn with `split_seed`
# keep their labels, the others are the unlabelled set. Everything else as
# demo_textures_semi.py (pipelines, two views, flips, 8 labelled + 32 unlabelled a batch).
#   python tools/dataset_converters/skimage_textures.py
_base_ = ['./demo_textures_semi.py']
demo_data = None
data_root = 'data/skimage-textures'
classes = ('brick', 'grass', 'gravel')
num_classes = len(classes)
data_preprocessor = dict(num_classes=num_classes)
textures = dict(data_root=data_root, classes=classes)
train_dataloader = dict(dataset=textures)
val_dataloader = dict(dataset=textures)
test_dataloader = dict(dataset=dict(data_prefix='test', **textures))
