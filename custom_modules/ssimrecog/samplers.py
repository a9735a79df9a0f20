"""Infinite samplers that shape every batch: labelled:unlabelled in a fixed ratio, and
the course's N-pairs batches (one anchor/positive pair per class).

Both yield indices batch after batch for an iteration-based loop; give the dataloader the
same ``batch_size`` as the sampler. Under DDP every rank draws its own batches.
"""
import itertools

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from ..errors import ZooError


def _seed(seed):
    return sync_random_seed() if seed is None else seed


def _shuffled_forever(indices, rng):
    """Every index once per round, in a fresh order each round."""
    while True:
        yield from rng.permutation(indices).tolist()


@DATA_SAMPLERS.register_module()
class LabelledUnlabelledSampler(Sampler):
    """Batches of ``batch_size`` with labelled:unlabelled = ``source_ratio``, from a
    ``ConcatDataset`` of [labelled, unlabelled] datasets.

    Args:
        dataset (ConcatDataset): labelled dataset first, unlabelled second.
        batch_size (int): images a batch; the dataloader's ``batch_size`` must match.
        source_ratio (tuple[int, int]): labelled to unlabelled, e.g. ``(1, 4)``; it must
            divide ``batch_size`` exactly.
        seed (int, optional): default: one seed shared by all ranks.
    """

    def __init__(self, dataset, batch_size, source_ratio=(1, 4), seed=None):
        sizes = [len(d) for d in getattr(dataset, 'datasets', [])]
        if len(sizes) != 2:
            raise ZooError('LabelledUnlabelledSampler needs a ConcatDataset of exactly two '
                           'datasets: labelled first, unlabelled second')
        total = sum(source_ratio)
        if batch_size % total:
            raise ZooError(f'batch_size={batch_size} cannot be split {source_ratio[0]}:'
                           f'{source_ratio[1]}; make it a multiple of {total}')
        self.num_labelled = batch_size * source_ratio[0] // total
        self.batch_size, self.sizes = batch_size, sizes
        self.rank, self.world_size = get_dist_info()
        self.seed = _seed(seed)

    def __iter__(self):
        rng = np.random.RandomState(self.seed)
        labelled = _shuffled_forever(np.arange(self.sizes[0]), rng)
        unlabelled = _shuffled_forever(np.arange(self.sizes[1]) + self.sizes[0], rng)
        for step in itertools.count():
            batch = ([next(labelled) for _ in range(self.num_labelled)]
                     + [next(unlabelled) for _ in range(self.batch_size - self.num_labelled)])
            if step % self.world_size == self.rank:
                yield from batch

    def __len__(self):
        return sum(self.sizes)

    def set_epoch(self, epoch):
        """Infinite: nothing changes between epochs."""


@DATA_SAMPLERS.register_module()
class NPairsSampler(Sampler):
    """The course's N-pairs batches: ``[anchor_0, positive_0, anchor_1, positive_1, ...]``,
    two different images of each of ``batch_size // 2`` classes (all classes by default,
    else a random subset each batch).
    """

    def __init__(self, dataset, batch_size, seed=None):
        labels = np.asarray(dataset.get_gt_labels())
        self.members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        small = [int(labels[m[0]]) for m in self.members if len(m) < 2]
        if small:
            raise ZooError(f'N-pairs batches need two images of every class; classes {small} '
                           'have one')
        if batch_size % 2 or not 2 <= batch_size <= 2 * len(self.members):
            raise ZooError(f'NPairsSampler: batch_size={batch_size} must be even and at most '
                           f'2 x {len(self.members)} classes')
        self.batch_size, self.num_samples = batch_size, len(labels)
        self.rank, self.world_size = get_dist_info()
        self.seed = _seed(seed)

    def __iter__(self):
        rng = np.random.RandomState(self.seed)
        for step in itertools.count():
            classes = rng.permutation(len(self.members))[:self.batch_size // 2]
            pairs = [rng.choice(self.members[c], 2, replace=False).tolist() for c in classes]
            if step % self.world_size == self.rank:
                yield from itertools.chain.from_iterable(pairs)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Infinite: nothing changes between epochs."""
