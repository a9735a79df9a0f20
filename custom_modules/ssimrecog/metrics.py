"""k-nearest-neighbour accuracy of embeddings (the course's evaluation of metric learning)."""
import os
import os.path as osp

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from ..errors import ZooError
from ..run_folder import run_folder


def knn_predict(gallery, gallery_labels, queries, k, exclude_self=False):
    """Majority vote of the ``k`` nearest gallery embeddings (Euclidean) for each query; a
    tie goes to the tied class whose nearest member is closest. ``exclude_self``: the
    queries are the gallery, and each leaves itself out."""
    distances = torch.cdist(queries, gallery)
    if exclude_self:
        distances.fill_diagonal_(float('inf'))
    order = distances.argsort(dim=1)[:, :k]
    num_classes = int(gallery_labels.max()) + 1
    preds = []
    for row in order:
        votes = torch.bincount(gallery_labels[row], minlength=num_classes)
        tied = set(torch.nonzero(votes == votes.max()).flatten().tolist())
        preds.append(next(int(gallery_labels[i]) for i in row if int(gallery_labels[i]) in tied))
    return torch.tensor(preds)


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """Top-1 accuracy (%) of k-nearest-neighbour classification of the embeddings, one
    number per ``k`` (``knn/top1_k3`` ...).

    With a :class:`GalleryQueryDataset` the gallery (e.g. the training images) votes for
    the queries; otherwise every sample is classified by the others (leave-one-out).
    Writes the query embeddings with their labels to ``embeddings.npz`` in ``out_dir``
    (default: the run's log folder), which ``TSNEHook`` draws.
    """

    default_prefix = 'knn'

    def __init__(self, k=(3, 5, 7), out_dir=None, collect_device='cpu', prefix=None, tsne=None):
        if tsne is not None:
            raise ZooError("KNNAccuracy(tsne=...) is gone: the metric measures, a hook draws; "
                           "add dict(type='TSNEHook') to custom_hooks instead")
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.k, self.out_dir = tuple(k), out_dir

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if 'embedding' not in sample:
                raise ZooError('KNNAccuracy needs embeddings (sample.embedding); use it with '
                               'an embedding model such as NPairsEmbedder')
            self.results.append(
                dict(
                    embedding=sample['embedding'].cpu().float(),
                    label=int(sample['gt_label'][0]),
                    gallery=bool(sample.get('gallery', False))))

    def compute_metrics(self, results):
        embeddings = torch.stack([r['embedding'] for r in results])
        labels = torch.tensor([r['label'] for r in results])
        is_gallery = torch.tensor([r['gallery'] for r in results])
        if is_gallery.any():
            gallery, gallery_labels = embeddings[is_gallery], labels[is_gallery]
            queries, query_labels = embeddings[~is_gallery], labels[~is_gallery]
        else:
            gallery, gallery_labels = queries, query_labels = embeddings, labels
        if not len(queries) or len(gallery) < max(self.k):
            raise ZooError(f'KNNAccuracy: {len(gallery)} gallery and {len(queries)} query '
                           f'embeddings; k up to {max(self.k)} needs more')
        metrics = {}
        for k in self.k:
            preds = knn_predict(
                gallery, gallery_labels, queries, k, exclude_self=not is_gallery.any())
            metrics[f'top1_k{k}'] = 100.0 * float((preds == query_labels).float().mean())
        out_dir = self.out_dir or run_folder()
        os.makedirs(out_dir, exist_ok=True)
        classes = list((self.dataset_meta or {}).get('classes') or [])
        np.savez(
            osp.join(out_dir, 'embeddings.npz'),
            embeddings=queries.numpy(),
            labels=query_labels.numpy(),
            classes=np.array(classes, dtype=str))
        # for TSNEHook
        self.figure_data = dict(
            embeddings=queries.numpy(), labels=query_labels.numpy(), classes=classes)
        return metrics
