"""The course's metric learning: a small embedding network trained with the N-pairs loss,
evaluated by k-nearest-neighbour classification, with a t-SNE plot of the embeddings."""
import os
import os.path as osp

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel, BaseModule
from mmengine.registry import DefaultScope
from mmpretrain.registry import METRICS, MODELS

from ..errors import ZooError
from ..run_dir import current_log_dir


@MODELS.register_module()
class CourseEmbeddingNet(BaseModule):
    """3x3 stride-2 convs (32, 64, 128; ReLU; no padding, as the course's Keras layers),
    global average pooling, a linear embedding, L2-normalised."""

    def __init__(self, in_channels=3, channels=(32, 64, 128), embed_dim=8, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers = []
        for out_channels in channels:
            layers += [nn.Conv2d(in_channels, out_channels, 3, stride=2), nn.ReLU(inplace=True)]
            in_channels = out_channels
        self.convs = nn.Sequential(*layers)
        self.embed = nn.Linear(in_channels, embed_dim)

    def forward(self, x):
        x = self.convs(x).mean(dim=(2, 3))
        return F.normalize(self.embed(x), dim=1)


@MODELS.register_module()
class NPairsLoss(nn.Module):
    """Softmax cross-entropy over the anchor x positive similarity matrix divided by
    ``temperature``: anchor ``i`` must be most similar to positive ``i``."""

    def __init__(self, temperature=0.3):
        super().__init__()
        self.temperature = temperature

    def forward(self, anchors, positives):
        similarity = anchors @ positives.t() / self.temperature
        return F.cross_entropy(similarity, torch.arange(len(anchors), device=anchors.device))


@MODELS.register_module()
class NPairsEmbedder(BaseModel):
    """An embedding network trained on N-pairs batches (``NPairsSampler``); predictions
    are the embeddings (``sample.embedding``), classified by ``KNNAccuracy``.

    Args:
        backbone (dict): maps images to L2-normalised embeddings.
        loss (dict): default ``NPairsLoss`` with temperature 0.3.
    """

    def __init__(self, backbone, loss=dict(type='NPairsLoss', temperature=0.3),
                 data_preprocessor=None, init_cfg=None):
        data_preprocessor = dict(data_preprocessor or dict(
            mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True))
        data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            data_preprocessor = MODELS.build(data_preprocessor)
            backbone, loss = MODELS.build(backbone), MODELS.build(loss)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone, self.loss_module = backbone, loss
        self._pairs_checked = False

    def _check_pairs(self, data_samples):
        labels = torch.cat([s.gt_label for s in data_samples])
        if len(labels) % 2 or not torch.equal(labels[0::2], labels[1::2]):
            raise ZooError('NPairsEmbedder trains on anchor/positive pairs of one class; '
                           "use sampler=dict(type='NPairsSampler') in train_dataloader")
        self._pairs_checked = True

    def forward(self, inputs, data_samples=None, mode='tensor'):
        embeddings = self.backbone(inputs)
        if mode == 'tensor':
            return embeddings
        if mode == 'predict':
            for sample, embedding in zip(data_samples, embeddings):
                sample.set_field(embedding.detach(), 'embedding')
            return data_samples
        if mode == 'loss':
            if not self._pairs_checked:  # the sampler is fixed: one look (a host sync) is enough
                self._check_pairs(data_samples)
            return dict(loss=self.loss_module(embeddings[0::2], embeddings[1::2]))
        raise RuntimeError(f'invalid mode {mode!r}')


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
    ``tsne=True`` writes ``tsne.png``: the query embeddings in 2-D, coloured by class.
    """

    default_prefix = 'knn'

    def __init__(self, k=(3, 5, 7), tsne=False, out_dir=None, collect_device='cpu',
                 prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.k, self.tsne, self.out_dir = tuple(k), tsne, out_dir

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if 'embedding' not in sample:
                raise ZooError('KNNAccuracy needs embeddings (sample.embedding); use it with '
                               'an embedding model such as NPairsEmbedder')
            self.results.append(dict(embedding=sample['embedding'].cpu().float(),
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
            preds = knn_predict(gallery, gallery_labels, queries, k,
                                exclude_self=not is_gallery.any())
            metrics[f'top1_k{k}'] = 100.0 * float((preds == query_labels).float().mean())
        if self.tsne:
            plot_tsne(queries.numpy(), query_labels.numpy(),
                      (self.dataset_meta or {}).get('classes'),
                      osp.join(self.out_dir or current_log_dir(), 'tsne.png'))
        return metrics


def plot_tsne(embeddings, labels, classes, path, seed=0):
    """A 2-D t-SNE of ``embeddings``, one colour a class, saved to ``path``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    points = TSNE(n_components=2, perplexity=min(30.0, len(embeddings) - 1.0), init='pca',
                  random_state=seed).fit_transform(embeddings)
    fig, ax = plt.subplots(figsize=(6, 5))
    for cls in np.unique(labels):
        chosen = labels == cls
        ax.scatter(points[chosen, 0], points[chosen, 1], s=12,
                   label=classes[cls] if classes else str(cls))
    ax.legend(fontsize=8)
    ax.set_title('t-SNE of the validation embeddings')
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches='tight')
    plt.close(fig)
