# Real images with human labels: scikit-learn's handwritten digits (1797 scans, 8 x 8 px,
# 10 classes), a folder per class enlarged to 64 px by
#   python tools/dataset_converters/sklearn_digits.py
# train 60 %, val 20 % (for choosing), test 20 % (the zoo's figures). Everything else as
# the demo textures (the same pipelines, augmentation included).
_base_ = ['./demo_textures.py']
demo_data = None
data_root = 'data/sklearn-digits'
classes = tuple('0123456789')
num_classes = len(classes)
data_preprocessor = dict(num_classes=num_classes)
digits = dict(data_root=data_root, classes=classes)
train_dataloader = dict(dataset=digits)
val_dataloader = dict(dataset=digits)
test_dataloader = dict(dataset=dict(data_prefix='test', **digits))
