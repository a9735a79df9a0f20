"""Image segmentation (mmseg scope): the course's U-Net.

Registers the CourseUNetEncoder backbone, the UNetTransposeHead decoder, value-mapped mask
folders (MaskFolderDataset, LoadValueMapAnnotations), BinaryDiceLoss and per-class
scores (SegReport).
"""
from . import losses, masks, metrics, unet  # noqa: F401 (registration)
