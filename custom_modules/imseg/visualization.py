"""Pictures of image segmentation: class masks painted over their images."""
import numpy as np


def overlay(img, labels, palette, alpha=0.5):
    """The BGR image with each class painted semi-transparently in its (RGB) palette colour."""
    colours = np.array(palette, np.float32)[:, ::-1]  # RGB -> BGR
    painted = colours[np.clip(labels, 0, len(colours) - 1)]
    return (img * (1 - alpha) + painted * alpha).astype(np.uint8)
