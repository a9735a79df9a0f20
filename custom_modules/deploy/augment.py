"""Test-time augmentation: the views of an image a prediction is averaged over, and the way
back from each view to the image.

A view is ``(k, flip)``: the image turned ``k`` quarter turns anticlockwise (``np.rot90``),
then mirrored left-right when ``flip``. ``--tta flip`` is the image, its left-right and its
up-down mirror; ``--tta d4`` all eight turns and mirrors (nadir imagery has no "up").
Segmentation logits and classification probabilities are averaged over the views (and the
networks of an ensemble); boxes are mapped back and merged by class-aware NMS.
"""
import numpy as np

from ..errors import ZooError

VIEWS = {
    'none': [(0, False)],
    'flip': [(0, False), (0, True), (2, True)],  # (2, True): half a turn, mirrored = up-down
    'd4': [(k, f) for k in range(4) for f in (False, True)],
}


def views(name):
    if name not in VIEWS:
        raise ZooError(f'--tta {name!r}: use one of {", ".join(VIEWS)}')
    return VIEWS[name]


def to_view(img, view):
    """An ``H x W x C`` image seen in ``view``."""
    k, flip = view
    out = np.rot90(img, k, axes=(0, 1))
    return np.ascontiguousarray(out[:, ::-1] if flip else out)


def logits_back(logits, view):
    """``C x H' x W'`` logits of a view -> the logits of the image (``C x H x W``)."""
    k, flip = view
    if flip:
        logits = logits[:, :, ::-1]
    return np.ascontiguousarray(np.rot90(logits, -k, axes=(1, 2)))


def boxes_back(boxes, view, height, width):
    """``N x 4`` boxes (x0, y0, x1, y1) found in a view of a ``height`` x ``width`` image ->
    the same boxes in the image."""
    k, flip = view
    # the view's own size
    h, w = (width, height) if k % 2 else (height, width)
    x0, y0, x1, y1 = (boxes[:, i].astype(np.float64) for i in range(4))
    if flip:
        x0, x1 = w - x1, w - x0
    for _ in range(k):  # undo one anticlockwise turn of an image that is now h x w:
        x0, y0, x1, y1 = h - y1, x0, h - y0, x1  # its (x, y) was (h - y, x) before it
        h, w = w, h
    return np.stack([x0, y0, x1, y1], axis=1).astype(np.float32)
