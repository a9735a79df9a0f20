# Plain FixMatch (the fixed 0.95 threshold, no distribution alignment) on real scans of
# handwritten digits, out of the box: 4 labelled images per digit (40), the other 1037
# training images unlabelled.
#   python tools/dataset_converters/sklearn_digits.py
_base_ = [
    '../_base_/models/fixmatch_course-convnet.py',
    '../_base_/default_runtime_ssimrecog.py',
    '../_base_/datasets/sklearn_digits-64_semi.py',
    '../_base_/schedules/adam_iter.py',
]
model = dict(classifier=dict(head=dict(num_classes={{_base_.num_classes}})))
