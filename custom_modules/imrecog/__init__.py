"""Image recognition (mmpretrain scope): the course's whole-image classifiers.

Registers backbones (CourseConvNet, GlobalMaxPooling), datasets (ImageFolderDataset,
FlatPrefixDataset, TFRecordClsDataset, LoadImageFromBytes), the ClassificationReport
metric and hooks (NumClassesCheckHook, BalancedClassWeightHook, PredictionGridHook).
"""
from . import backbones, datasets, hooks, metrics  # noqa: F401 (registration)
