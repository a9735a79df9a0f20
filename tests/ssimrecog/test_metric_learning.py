"""The course's metric learning: N-pairs loss, N-pairs batches, kNN accuracy."""
import itertools
import math

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

import custom_modules.ssimrecog  # noqa: F401 (registers the family)
from custom_modules.errors import ZooError
from custom_modules.ssimrecog.datasets import NPairsSampler
from custom_modules.ssimrecog.hooks import TSNEHook
from custom_modules.ssimrecog.metrics import KNNAccuracy, knn_predict
from custom_modules.ssimrecog.models import CourseEmbeddingNet, NPairsLoss
from zoo_test_utils import runner_evaluating


def test_npairs_loss_matches_hand_computed_value():
    anchors = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    positives = torch.tensor([[0.6, 0.8], [0.0, 1.0]])
    # similarities / 0.3: row 0 = [0.6, 0] / 0.3 = [2, 0]; row 1 = [0.8, 1] / 0.3
    row0 = -math.log(math.exp(2) / (math.exp(2) + 1))
    row1 = -math.log(math.exp(1 / 0.3) / (math.exp(0.8 / 0.3) + math.exp(1 / 0.3)))
    loss = NPairsLoss(temperature=0.3)(anchors, positives)
    assert loss.item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_embedding_net_shape_and_unit_norm():
    net = CourseEmbeddingNet(embed_dim=16)
    out = net(torch.randn(3, 3, 64, 64))
    assert out.shape == (3, 16)
    assert torch.allclose(out.norm(dim=1), torch.ones(3), atol=1e-5)
    assert [m.stride for m in net.convs if hasattr(m, 'stride')] == [(2, 2)] * 3


class _Labels:

    def __init__(self, labels):
        self.labels = labels

    def get_gt_labels(self):
        return np.array(self.labels)

    def __len__(self):
        return len(self.labels)


def test_npairs_sampler_gives_one_pair_per_class():
    labels = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    sampler = NPairsSampler(_Labels(labels), batch_size=6, seed=0)
    indices = list(itertools.islice(iter(sampler), 6 * 20))
    for b in range(20):
        batch = indices[6 * b:6 * (b + 1)]
        pair_labels = [(labels[a], labels[p]) for a, p in zip(batch[0::2], batch[1::2])]
        assert all(la == lp for la, lp in pair_labels)
        assert sorted(la for la, _ in pair_labels) == [0, 1, 2]
        assert all(a != p for a, p in zip(batch[0::2], batch[1::2]))


def test_npairs_sampler_needs_two_images_a_class():
    with pytest.raises(ZooError, match=r'classes \[1\] have one'):
        NPairsSampler(_Labels([0, 0, 1]), batch_size=4, seed=0)


def test_knn_on_a_toy_embedding_with_known_answer():
    gallery = torch.tensor([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    queries = torch.tensor([[0.05, 0.05], [4.9, 5.0], [2.6, 2.6]])
    assert knn_predict(gallery, labels, queries, k=1).tolist() == [0, 1, 1]
    # k=3: [2.6, 2.6] has neighbours 1, 1, 0 -> class 1; [4.9, 5] -> 1, 1, 0 -> 1
    assert knn_predict(gallery, labels, queries, k=3).tolist() == [0, 1, 1]
    # k=5: every query sees 3 zeros and 2 ones
    assert knn_predict(gallery, labels, queries, k=5).tolist() == [0, 0, 0]


def test_knn_tie_goes_to_the_nearest_class():
    gallery = torch.tensor([[0.0], [1.0], [3.0], [10.0]])
    labels = torch.tensor([0, 0, 1, 1])
    assert knn_predict(gallery, labels, torch.tensor([[2.9]]), k=4).tolist() == [1]


def _sample(embedding, label, gallery=None):
    sample = DataSample().set_gt_label(label)
    sample.set_field(torch.tensor(embedding), 'embedding')
    if gallery is not None:
        sample.set_metainfo(dict(gallery=gallery))
    return sample.to_dict()  # as mmengine's Evaluator hands samples to metrics


def test_knn_metric_gallery_vs_query(tmp_path):
    metric = KNNAccuracy(k=(1, 3), out_dir=str(tmp_path))  # not the current folder
    metric.process(None, [
        _sample([0.0, 0.0], 0, True),
        _sample([0.0, 0.2], 0, True),
        _sample([3.0, 3.0], 1, True),
        _sample([3.0, 3.2], 1, True),
        _sample([0.1, 0.1], 0, False),
        _sample([2.0, 2.0], 0, False)
    ])
    assert metric.evaluate(6) == {'knn/top1_k1': 50.0, 'knn/top1_k3': 50.0}


def test_knn_metric_leave_one_out_and_tsne(tmp_path):
    metric = KNNAccuracy(k=(1, ), out_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=('a', 'b'))
    points = [([0.0, 0.0], 0), ([0.0, 0.1], 0), ([0.1, 0.0], 0), ([4.0, 4.0], 1), ([4.0, 4.1], 1),
              ([1.0, 1.0], 1)]
    metric.process(None, [_sample(e, y) for e, y in points])
    # leave-one-out, k=1: the last point (class 1) is nearest the zeros -> 5 of 6 right
    assert metric.evaluate(6) == {'knn/top1_k1': pytest.approx(500 / 6)}
    with np.load(tmp_path / 'embeddings.npz') as saved:
        assert saved['embeddings'].shape == (6,
                                             2) and saved['labels'].tolist() == [0, 0, 0, 1, 1, 1]
        assert saved['classes'].tolist() == ['a', 'b']
    TSNEHook().after_val_epoch(runner_evaluating(metric, 'elsewhere'))
    assert (tmp_path / 'tsne.png').stat().st_size > 1000


def test_knn_metric_of_an_earlier_config_says_where_tsne_went():
    with pytest.raises(ZooError, match=r"add dict\(type='TSNEHook'\) to custom_hooks"):
        KNNAccuracy(tsne=True)


def test_knn_metric_without_embeddings_says_what_to_use():
    with pytest.raises(ZooError, match='KNNAccuracy needs embeddings'):
        KNNAccuracy().process(None, [DataSample().set_gt_label(0).to_dict()])
