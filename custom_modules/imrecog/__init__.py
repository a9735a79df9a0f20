"""Image recognition (mmpretrain scope): the course's whole-image classifiers.

Registers backbones (CourseConvNet, GlobalMaxPooling), datasets (ImageFolderDataset,
FlatPrefixDataset, TFRecordClsDataset, LoadImageFromBytes), the ClassificationReport
metric and hooks (NumClassesCheckHook, BalancedClassWeightHook, PredictionGridHook).
"""
from .. import compat

compat.without_mmpretrain_multimodal()  # before mmpretrain.models is imported

from . import datasets, hooks, metrics, models, visualization  # noqa: E402,F401
