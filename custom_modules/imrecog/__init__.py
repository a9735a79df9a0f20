"""Image recognition (mmpretrain scope): the course's whole-image classifiers."""
import mmpretrain.registry  # noqa: F401 (the scope this family registers into)
