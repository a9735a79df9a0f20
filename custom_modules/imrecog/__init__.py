"""Image recognition (mmpretrain scope): the course's whole-image classifiers.

Registers backbones (CourseConvNet, GlobalMaxPooling), the BalancedCrossEntropyLoss,
datasets (ImageFolderDataset, FlatPrefixDataset, TFRecordClsDataset, LoadImageFromBytes),
the ClassificationReport metric and hooks (NumClassesCheckHook, ClassCountsHook,
PredictionGridHook).
"""
from .. import compat

compat.without_mmpretrain_multimodal()  # before mmpretrain.models is imported

from . import datasets, hooks, metrics, models, visualization  # noqa: E402,F401
