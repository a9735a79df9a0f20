# Few labels on real images: scikit-learn's handwritten digits (sklearn_digits-64.py) as
# the semi-supervised demo data is used: `labels_per_class` training images of each
# digit drawn with `split_seed` keep their labels, the other training images are the
# unlabelled set; val for choosing, test for the zoo's figures. Everything else as
# demo_textures_semi.py (pipelines, two views, 8 labelled + 32 unlabelled a batch).
#   python tools/dataset_converters/sklearn_digits.py
_base_ = ['./demo_textures_semi.py']
demo_data = None
data_root = 'data/sklearn-digits'
classes = tuple('0123456789')
num_classes = len(classes)
data_preprocessor = dict(num_classes=num_classes)
digits = dict(data_root=data_root, classes=classes)
train_dataloader = dict(dataset=digits)
val_dataloader = dict(dataset=digits)
test_dataloader = dict(dataset=dict(data_prefix='test', **digits))
