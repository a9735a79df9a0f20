"""Data for learning from few labels: seeded labelled/unlabelled splits of a labelled
folder, folders (or list files) of unlabelled images, and kNN gallery + query sets.

Unlabelled samples carry no ``gt_label``; where the truth is known (a split of a
labelled folder, or a ``truth_file``) it travels as ``hidden_label``, for monitoring
pseudo-labels only.

Infinite samplers that shape every batch: labelled:unlabelled in a fixed ratio, and
the course's N-pairs batches (one anchor/positive pair per class).

Both yield indices batch after batch for an iteration-based loop; give the dataloader the
same ``batch_size`` as the sampler. Under DDP every rank draws its own batches.
"""
import itertools
import os.path as osp

import numpy as np
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATA_SAMPLERS, DATASETS
from torch.utils.data import Sampler

from ..datasets.bad_samples import LoadErrorsMixin, check_images, check_on_bad
from ..datasets.image_files import find_images
from ..errors import ZooError
from ..imrecog.datasets import ImageFolderDataset
from ..semi import select_labelled


@DATASETS.register_module()
class ImageFolderSplit(ImageFolderDataset):
    """A seeded labelled/unlabelled split of a folder-per-class dataset, or one part of it.

    Args:
        part (str): ``'both'``: the labelled images (with labels) first, then all the
            others (their labels hidden), for :class:`LabelledUnlabelledSampler`;
            ``'labelled'`` or ``'unlabelled'``: that part alone.
        labels_per_class (int, optional): labelled images per class.
        labelled_fraction (float, optional): or this fraction of each class.
        split_seed (int): the seed the labelled images are drawn with.
        **kwargs: as :class:`ImageFolderDataset`.
    """

    def __init__(self,
                 *args,
                 part='both',
                 labels_per_class=None,
                 labelled_fraction=None,
                 split_seed=0,
                 **kwargs):
        if part not in ('both', 'labelled', 'unlabelled'):
            raise ZooError(f"ImageFolderSplit: part={part!r}; use 'both', 'labelled' or "
                           "'unlabelled'")
        self.part, self.split_seed = part, split_seed
        self.labels_per_class, self.labelled_fraction = labels_per_class, labelled_fraction
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        chosen = set(
            select_labelled([d['gt_label'] for d in data_list], self.labels_per_class,
                            self.labelled_fraction, self.split_seed))
        labelled = [d for i, d in enumerate(data_list) if i in chosen]
        if self.part == 'labelled':
            return labelled
        unlabelled = [
            dict(img_path=d['img_path'], hidden_label=d['gt_label'])
            for i, d in enumerate(data_list) if i not in chosen
        ]
        if not unlabelled:
            raise ZooError(f'{self.img_prefix}: every image is labelled in this split, none '
                           'is left unlabelled; lower labels_per_class / labelled_fraction')
        return unlabelled if self.part == 'unlabelled' else labelled + unlabelled


@DATASETS.register_module()
class UnlabelledImageFolder(LoadErrorsMixin, BaseDataset):
    """Images without labels: every image below ``data_prefix``, or those named in
    ``ann_file`` (one path a line, relative to ``data_prefix``).

    Args:
        truth_file (str, optional): ``<path> <class index>`` lines, relative to
            ``data_root``; used only to report pseudo-label accuracy while training.
        on_bad (str): ``'error'`` (default) or ``'skip'`` unreadable images.
    """

    def __init__(self, *args, truth_file=None, on_bad='error', **kwargs):
        self.truth_file, self.on_bad = truth_file, check_on_bad(on_bad)
        kwargs.setdefault('ann_file', '')
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        root = self.img_prefix
        if self.ann_file:
            where = self.ann_file
            paths = [osp.join(root, line.strip()) for line in _read_lines(self.ann_file)]
            missing = [p for p in paths if not osp.isfile(p)]
            if missing:
                raise ZooError(f'{where}: {len(missing)} listed image(s) not found, first '
                               f'{missing[0]}; fix the list or data_prefix')
        else:
            where, paths = root, find_images(root)
        if not paths:
            raise ZooError(f'no unlabelled images in {where}; put images there or point '
                           'data_prefix / ann_file at them')
        truth = self._read_truth()
        data_list = [
            dict(img_path=p, hidden_label=truth.get(osp.relpath(p, root), -1)) for p in paths
        ]
        data_list = check_images(data_list, self.on_bad, self.pipeline, where)
        if not data_list:
            raise ZooError(f'every unlabelled image in {where} is unreadable')
        return data_list

    def _read_truth(self):
        if not self.truth_file:
            return {}
        path = osp.join(self.data_root or '', self.truth_file)
        truth = {}
        for number, line in enumerate(_read_lines(path), 1):
            try:
                name, label = line.rsplit(maxsplit=1)
                truth[name] = int(label)
            except ValueError:
                raise ZooError(f'{path} line {number}: expected "<image path> <class index>",'
                               f' got {line!r}') from None
        return truth


def _read_lines(path):
    try:
        with open(path) as f:
            return [line for line in f.read().splitlines() if line.strip()]
    except OSError as err:
        raise ZooError(f'cannot read {path}: {err.strerror}') from None


@DATASETS.register_module()
class GalleryQueryDataset(ConcatDataset):
    """A labelled gallery followed by the query set, for kNN evaluation: every sample's
    metainfo says ``gallery=True`` or ``False`` (see :class:`KNNAccuracy`)."""

    def __init__(self, gallery, query, **kwargs):
        super().__init__(datasets=[gallery, query], **kwargs)

    def __getitem__(self, idx):
        results = super().__getitem__(idx)
        dataset_idx, _ = self._get_ori_dataset_idx(idx)
        results['data_samples'].set_metainfo(dict(gallery=dataset_idx == 0))
        return results


def _seed(seed):
    return sync_random_seed() if seed is None else seed


def _shuffled_forever(indices, rng):
    """Every index once per round, in a fresh order each round."""
    while True:
        yield from rng.permutation(indices).tolist()


@DATA_SAMPLERS.register_module()
class LabelledUnlabelledSampler(Sampler):
    """Batches of ``batch_size`` with labelled:unlabelled = ``source_ratio``.

    Args:
        dataset: one dataset whose labelled samples have a ``gt_label`` and unlabelled ones
            none (``ImageFolderSplit``), or a ``ConcatDataset`` of [labelled, unlabelled].
        batch_size (int): images a batch; the dataloader's ``batch_size`` must match.
        source_ratio (tuple[int, int]): labelled to unlabelled, e.g. ``(1, 4)``; it must
            divide ``batch_size`` exactly.
        seed (int, optional): default: one seed shared by all ranks.
    """

    def __init__(self, dataset, batch_size, source_ratio=(1, 4), seed=None):
        self.parts = labelled_and_unlabelled(dataset)
        total = sum(source_ratio)
        if batch_size % total:
            raise ZooError(f'batch_size={batch_size} cannot be split {source_ratio[0]}:'
                           f'{source_ratio[1]}; make it a multiple of {total}')
        self.num_labelled = batch_size * source_ratio[0] // total
        self.batch_size = batch_size
        self.rank, self.world_size = get_dist_info()
        self.seed = _seed(seed)

    def __iter__(self):
        rng = np.random.RandomState(self.seed)
        labelled, unlabelled = (_shuffled_forever(part, rng) for part in self.parts)
        for step in itertools.count():
            batch = ([next(labelled) for _ in range(self.num_labelled)] +
                     [next(unlabelled) for _ in range(self.batch_size - self.num_labelled)])
            if step % self.world_size == self.rank:
                yield from batch

    def __len__(self):
        return sum(len(part) for part in self.parts)

    def set_epoch(self, epoch):
        """Infinite: nothing changes between epochs."""


def labelled_and_unlabelled(dataset):
    """The indices of ``dataset``'s labelled and unlabelled samples, as arrays: the two
    datasets of a ``ConcatDataset`` of [labelled, unlabelled], or, in one dataset, the
    samples with and without a ``gt_label``."""
    parts = getattr(dataset, 'datasets', None)
    if parts is not None:
        if len(parts) != 2:
            raise ZooError('LabelledUnlabelledSampler: a ConcatDataset must hold exactly two '
                           'datasets, labelled first, unlabelled second')
        return np.arange(len(parts[0])), np.arange(len(parts[1])) + len(parts[0])
    has_label = np.array(['gt_label' in dataset.get_data_info(i) for i in range(len(dataset))],
                         dtype=bool)
    if has_label.all() or not has_label.any():
        raise ZooError(f'LabelledUnlabelledSampler needs labelled and unlabelled images; the '
                       f'dataset has {int(has_label.sum())} labelled of {len(has_label)}')
    return np.flatnonzero(has_label), np.flatnonzero(~has_label)


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
