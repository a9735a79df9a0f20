"""Object recognition (mmdet scope): RetinaNet for counting people on beaches.

Registers FocalRetinaHead and TorchFocalLoss (no mmcv CUDA kernels needed), the course's
CSV box dataset and the people-counting metric.
"""
from . import focal_retina_head  # noqa: F401 (registration)
