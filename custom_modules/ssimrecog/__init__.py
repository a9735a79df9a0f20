"""Semi-supervised image recognition (mmpretrain scope)."""
import mmpretrain.registry  # noqa: F401 (the scope this family registers into)
