"""Image recognition: backbone shapes, metrics against hand-computed values, hooks."""
import json

import numpy as np
import pytest
import torch

from custom_modules.errors import ZooError
from custom_modules.imrecog.hooks import ConfusionMatrixHook
from custom_modules.imrecog.metrics import ClassificationReport
from custom_modules.imrecog.models import (BalancedCrossEntropyLoss, CourseConvNet,
                                           GlobalMaxPooling, balanced_class_weights)
from custom_modules.imrecog.visualization import draw_prediction_grid
from zoo_test_utils import runner_evaluating


@pytest.mark.parametrize('depth, size, out_size', [(4, 64, 4), (4, 400, 25), (6, 224, 3)])
def test_course_convnet_shapes(depth, size, out_size):
    net = CourseConvNet(base=30, depth=depth)
    (out, ) = net(torch.zeros(2, 3, size, size))
    assert out.shape == (2, 30 * depth, out_size, out_size)
    assert net.out_channels == 30 * depth
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [30 * i for i in range(1, depth + 1)]
    assert all(c.kernel_size == (3, 3) for c in convs)


def test_global_max_pooling():
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float).reshape(2, 3, 4, 4)
    (out, ) = GlobalMaxPooling()((x, ))
    assert out.tolist() == [[15, 31, 47], [63, 79, 95]]


def sample(label, scores):
    return dict(gt_label=torch.tensor([label]), pred_score=torch.tensor(scores))


def test_classification_report_against_hand_computed(tmp_path):
    metric = ClassificationReport(out_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=('sand', 'marsh', 'water'))
    # true: sand sand sand marsh marsh water; predicted: sand sand marsh marsh sand water
    metric.process(None, [
        sample(0, [0.8, 0.1, 0.1]),
        sample(0, [0.6, 0.3, 0.1]),
        sample(0, [0.2, 0.7, 0.1]),
        sample(1, [0.1, 0.5, 0.4]),
        sample(1, [0.5, 0.4, 0.1]),
        sample(2, [0.1, 0.2, 0.7]),
    ])
    out = metric.evaluate(6)
    assert out['cls/accuracy'] == pytest.approx(100 * 4 / 6)
    # precision: sand 2/3, marsh 1/2, water 1; recall: sand 2/3, marsh 1/2, water 1
    assert out['cls/precision'] == pytest.approx(100 * (2 / 3 + 1 / 2 + 1) / 3)
    assert out['cls/recall'] == pytest.approx(100 * (2 / 3 + 1 / 2 + 1) / 3)
    assert out['cls/f1/marsh'] == pytest.approx(50.0)
    expected_loss = -np.log([0.8, 0.6, 0.2, 0.5, 0.4, 0.7]).mean()
    assert out['cls/loss'] == pytest.approx(expected_loss)
    saved = json.loads((tmp_path / 'confusion_matrix.json').read_text())
    assert saved['matrix'] == [[2, 1, 0], [1, 1, 0], [0, 0, 1]]
    assert saved['classes'] == ['sand', 'marsh', 'water']
    # the metric measures; ConfusionMatrixHook draws what it saved
    assert not (tmp_path / 'confusion_matrix.png').exists()
    ConfusionMatrixHook().after_test_epoch(runner_evaluating(metric, 'elsewhere'))
    assert (tmp_path / 'confusion_matrix.png').stat().st_size > 1000


def test_balanced_class_weights():
    # 6 samples, 2 classes: counts 4 and 2 -> 6/(2*4), 6/(2*2)
    assert balanced_class_weights([0, 0, 0, 0, 1, 1], 2) == pytest.approx([0.75, 1.5])
    with pytest.raises(ZooError, match=r'classes \[2\] have no training images'):
        balanced_class_weights([0, 1], 3)


def test_the_balanced_loss_weights_itself_from_the_class_counts_it_is_given():
    """The loss owns its weights (no hook writes them): plain cross-entropy until it is
    given the counts, then rare classes weigh more, by hand: 3 of class 0, 1 of class 1 ->
    weights 4/(2*3) and 4/(2*1)."""
    import torch
    loss = BalancedCrossEntropyLoss()
    logits, target = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    plain = torch.nn.functional.cross_entropy(logits, target)
    assert float(loss(logits, target)) == pytest.approx(float(plain))
    loss.set_class_counts([0, 0, 0, 1], ['sand', 'marsh'])
    assert loss.class_weight == pytest.approx([2 / 3, 2.0])
    per_sample = torch.nn.functional.cross_entropy(logits, target, reduction='none')
    expected = (per_sample * torch.tensor([2 / 3, 2.0])).mean()
    assert float(loss(logits, target)) == pytest.approx(float(expected))


def test_prediction_grid_is_written(tmp_path):
    img = np.zeros((8, 8, 3), np.uint8)
    draw_prediction_grid([(img, 0, 0, 0.9), (img, 1, 0, 0.6)], ('a', 'b'),
                         str(tmp_path / 'grid.png'))
    assert (tmp_path / 'grid.png').stat().st_size > 1000
