"""The arithmetic semi-supervised learning shares in every family: the ramp-up of the
unsupervised loss, pseudo-labels from a teacher's probabilities (images or pixels), and
the seeded draw of the labelled images."""
import math

import numpy as np

from .errors import ZooError


def rampup(step, rampup_iters, shape='sigmoid'):
    """Factor in [0, 1] at ``step``: ``exp(-5 (1 - t)^2)`` (mean teacher's sigmoid ramp)
    or ``t`` (linear), with ``t = min(step / rampup_iters, 1)``; 1 when ``rampup_iters``
    is 0."""
    if shape not in ('sigmoid', 'linear'):
        raise ZooError(f"rampup shape {shape!r}; use 'sigmoid' or 'linear'")
    if rampup_iters <= 0:
        return 1.0
    t = min(max(step, 0) / rampup_iters, 1.0)
    return t if shape == 'linear' else math.exp(-5.0 * (1.0 - t)**2)


def pseudo_labels(probs, threshold):
    """``(labels, mask)``: the most probable class and whether its probability reaches
    ``threshold`` (a number, or a tensor of one threshold per class); ``probs`` N x C, or
    N x C x H x W (a class per pixel)."""
    confidence, labels = probs.max(dim=1)
    if not isinstance(threshold, (int, float)):  # a tensor: one a class
        threshold = threshold[labels]
    return labels, confidence >= threshold


def semi_settings(given, defaults, predict_with, choices=None):
    """``semi_train_cfg`` over a model's ``defaults``: unknown keys, a bad ramp-up shape, a
    value outside ``choices`` (``{key: allowed values}``) and a ``predict_with`` other than
    teacher or student are one line each."""
    unknown = set(given or {}) - set(defaults)
    if unknown:
        raise ZooError(f'semi_train_cfg: unknown keys {sorted(unknown)}; known: '
                       f'{", ".join(defaults)}')
    if predict_with not in ('teacher', 'student'):
        raise ZooError(f"predict_with={predict_with!r}; use 'teacher' or 'student'")
    settings = dict(defaults, **(given or {}))
    rampup(0, 1, settings['rampup_shape'])  # a bad shape fails now
    for key, allowed in (choices or {}).items():
        if settings[key] not in allowed:
            raise ZooError(f'semi_train_cfg.{key}={settings[key]!r}; use '
                           f"{' or '.join(map(repr, allowed))}")
    return settings


def self_adaptive_thresholds(global_confidence, class_means):
    """FreeMatch's self-adaptive thresholds (Wang et al. 2023): the global confidence (an
    EMA of the mean top probability) times each class's EMA mean probability, normalised
    by its largest. Low while the model is unsure, so that learning starts early; per
    class, so that hard classes get pseudo-labels too."""
    return global_confidence * class_means / class_means.max()


def select_labelled(labels, labels_per_class=None, fraction=None, seed=0):
    """Sorted indices of the labelled subset: ``labels_per_class`` images of every class,
    or ``fraction`` of every class (at least one), drawn with ``seed``.

    The same labels, count and seed always give the same split.
    """
    if (labels_per_class is None) == (fraction is None):
        raise ZooError('give exactly one of labels_per_class= and labelled_fraction=')
    if fraction is not None and not 0 < fraction <= 1:
        raise ZooError(f'labelled_fraction={fraction} must be in (0, 1]')
    labels = np.asarray(labels)
    rng = np.random.RandomState(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        n = labels_per_class or max(1, int(round(fraction * len(members))))
        if n > len(members):
            raise ZooError(f'class {cls} has {len(members)} images, fewer than '
                           f'labels_per_class={n}; lower it or add images')
        chosen.extend(rng.permutation(members)[:n].tolist())
    return sorted(chosen)
