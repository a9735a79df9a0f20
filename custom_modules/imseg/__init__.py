"""Image segmentation (mmseg scope): the course's U-Net.

Registers the CourseUNetEncoder backbone, the UNetTransposeHead decoder, value-mapped mask
folders (MaskFolderDataset, LoadValueMapAnnotations), the course's TFRecord pairs
(TFRecordSegDataset, LoadPairFromBytes), BinaryDiceLoss and per-class
scores (SegReport).
"""
from . import losses, masks, metrics, tfrecord_dataset, unet  # noqa: F401 (registration)
