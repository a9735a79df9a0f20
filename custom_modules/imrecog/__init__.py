"""Image recognition (mmpretrain scope): the course's whole-image classifiers.

Registers backbones (CourseConvNet, GlobalMaxPooling), the BalancedCrossEntropyLoss,
datasets (ImageFolderDataset, FlatPrefixDataset, TFRecordClsDataset, LoadImageFromBytes),
the ClassificationReport metric and hooks (NumClassesCheckHook, ClassCountsHook,
PredictionGridHook).
"""
from . import datasets, hooks, metrics, models, visualization  # noqa: F401 (registration)
