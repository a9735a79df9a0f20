"""Object recognition (mmdet scope): RetinaNet for counting people."""
import mmdet.registry  # noqa: F401 (the scope this family registers into)
