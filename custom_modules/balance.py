"""Class weights by rarity: scikit-learn's "balanced", ``n / (k * count_c)``, as the course
weighted its classes; one formula for the classifiers' ``BalancedCrossEntropyLoss`` (from
the training split's labels) and the segmentation ``WeightedCrossEntropyLoss`` (from the
pixels training has seen)."""
import numpy as np

from .errors import ZooError


def balanced_weights(counts, strict=True):
    """``n / (k * count_c)`` for each class of ``counts`` (a count a class). ``strict``: a
    class without a count is an error; else it is weighted as if counted once (its weight
    touches no loss until a label of it is seen)."""
    counts = np.asarray(counts, np.float64)
    if strict and (counts == 0).any():
        missing = np.flatnonzero(counts == 0).tolist()
        raise ZooError(f'class weights: classes {missing} have no training images; '
                       'remove them from `classes` or add images')
    return (counts.sum() / (len(counts) * np.maximum(counts, 1))).tolist()
