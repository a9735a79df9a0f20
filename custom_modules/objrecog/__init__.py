"""Object recognition (mmdet scope): RetinaNet for counting people on beaches.

Registers FocalRetinaHead and TorchFocalLoss (no mmcv CUDA kernels needed), the course's
CSV box dataset (CourseCSVDataset) and the people-counting metric (CountingMetric) with its
observed-vs-predicted scatter (CountScatterHook).
"""
from .. import compat
from . import datasets, hooks, metrics, models, visualization  # noqa: F401 (registration)

compat.zero_map_for_no_detections()
compat.pycocotools_output_to_the_log()
