"""Object recognition (mmdet scope): RetinaNet for counting people on beaches.

Registers FocalRetinaHead and TorchFocalLoss (no mmcv CUDA kernels needed), the course's
CSV box dataset (CourseCSVDataset), COCO mAP as the configs use it (ZooCocoMetric) and the
people-counting metric (CountingMetric) with its observed-vs-predicted scatter
(CountScatterHook).
"""
from .. import run  # noqa: F401 (registration: the runner, hooks, loops a config names)
from . import datasets, hooks, metrics, models, visualization  # noqa: F401 (registration)
