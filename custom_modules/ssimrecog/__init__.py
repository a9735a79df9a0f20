"""Semi-supervised image recognition (mmpretrain scope): learning from few labels.

Registers the FixMatch-style ``SemiSupervisedClassifier`` with its ``MeanTeacherHook``
(EMA teacher), the data it needs (``ImageFolderSplit``,
``UnlabelledImageFolder``, ``LabelledUnlabelledSampler``), and the course's metric
learning (``CourseEmbeddingNet``, ``NPairsLoss``, ``NPairsEmbedder``, ``NPairsSampler``,
``GalleryQueryDataset``, ``KNNAccuracy``). It reuses the imrecog readers and backbones.
"""
from .. import imrecog  # noqa: F401 (the image recognition modules this family reuses)
from .. import run  # noqa: F401 (registration: the runner, hooks, loops a config names)
from . import datasets, hooks, metrics, models, visualization  # noqa: F401
