"""Image recognition (mmpretrain scope): the course's whole-image classifiers.

Registers backbones (CourseConvNet, GlobalMaxPooling), the BalancedCrossEntropyLoss,
datasets (ImageFolderDataset, FlatPrefixDataset, TFRecordClsDataset, LoadImageFromBytes),
the ClassificationReport metric and hooks (NumClassesCheckHook, ClassCountsHook,
PredictionGridHook).
"""
from .. import run  # noqa: F401 (registration: the runner, hooks, loops a config names)
from .. import compat

# the one upstream change made on import (docs/architecture.md): mmpretrain.models cannot be
# imported at all beside a recent transformers, and this package is what imports it, from
# our tools, mim's or a plain Config.fromfile alike
compat.without_mmpretrain_multimodal()

from . import datasets, hooks, metrics, models, visualization  # noqa: E402,F401 (registration)
