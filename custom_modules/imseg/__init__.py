"""Image segmentation (mmseg scope): the course's U-Net."""
import mmseg.registry  # noqa: F401 (the scope this family registers into)
