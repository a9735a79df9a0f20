"""Image segmentation (mmseg scope): the course's U-Net.

Registers the CourseUNetEncoder backbone, the UNetTransposeHead decoder, value-mapped mask
folders (MaskFolderDataset, LoadValueMapAnnotations), the course's TFRecord pairs
(TFRecordSegDataset, LoadPairFromBytes), BinaryDiceLoss, per-class scores (SegReport) and
the SemiSupervisedSegmentor (a mean teacher's pseudo-labels on the unlabelled pixels).
"""
from .. import run  # noqa: F401 (registration: the runner, hooks, loops a config names)
from . import datasets, metrics, models  # noqa: F401 (registration)
