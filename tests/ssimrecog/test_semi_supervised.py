"""The semi-supervised parts: EMA teacher, ramp-up, pseudo-label masking, the mixing
sampler, the seeded splits and the unlabelled-folder reader."""
import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import ConcatDataset
from mmengine.logging import MessageHub
from PIL import Image

import custom_modules.ssimrecog  # noqa: F401 (registers the family)
from custom_modules.errors import ZooError
from custom_modules.run.hooks import ema_update
from custom_modules.semi import select_labelled
from custom_modules.ssimrecog.datasets import (ImageFolderSplit, LabelledUnlabelledSampler,
                                               UnlabelledImageFolder)
from custom_modules.ssimrecog.models import (SemiSupervisedClassifier, align_distribution,
                                             pseudo_labels, rampup, self_adaptive_thresholds,
                                             soft_weights)


def write_png(path, value=0, size=8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(path)


def test_ema_update_matches_hand_computed_values():
    teacher, student = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    with torch.no_grad():
        teacher.weight.copy_(torch.tensor([1.0, 2.0]))
        student.weight.copy_(torch.tensor([3.0, 6.0]))
        teacher.running_mean.copy_(torch.tensor([0.0, 10.0]))
        student.running_mean.copy_(torch.tensor([1.0, 0.0]))
    student.num_batches_tracked.fill_(7)
    ema_update(teacher, student, decay=0.75)
    # teacher = 0.75 * teacher + 0.25 * student
    assert torch.allclose(teacher.weight, torch.tensor([1.5, 3.0]))
    assert torch.allclose(teacher.running_mean, torch.tensor([0.25, 7.5]))
    assert int(teacher.num_batches_tracked) == 7  # integer buffers are copied
    assert torch.equal(student.weight, torch.tensor([3.0, 6.0]))  # the student is untouched


@pytest.mark.parametrize('step, shape, expected', [(0, 'sigmoid', math.exp(-5)),
                                                   (50, 'sigmoid', math.exp(-5 * 0.25)),
                                                   (100, 'sigmoid', 1.0), (500, 'sigmoid', 1.0),
                                                   (0, 'linear', 0.0), (25, 'linear', 0.25),
                                                   (200, 'linear', 1.0)])
def test_rampup_schedule(step, shape, expected):
    assert rampup(step, 100, shape) == pytest.approx(expected)


def test_rampup_off_and_bad_shape():
    assert rampup(0, 0) == 1.0
    with pytest.raises(ZooError, match="rampup shape 'cosine'"):
        rampup(1, 10, 'cosine')


def test_pseudo_labels_are_masked_at_the_threshold():
    probs = torch.tensor([[0.95, 0.05], [0.2, 0.8], [0.04, 0.96], [0.5, 0.5]])
    labels, mask = pseudo_labels(probs, threshold=0.95)
    assert labels.tolist() == [0, 1, 1, 0]
    assert mask.tolist() == [True, False, True, False]  # 0.95 itself passes


def test_per_class_thresholds_mask_each_image_at_its_class():
    probs = torch.tensor([[0.7, 0.3], [0.2, 0.8], [0.45, 0.55]])
    labels, mask = pseudo_labels(probs, threshold=torch.tensor([0.6, 0.9]))
    assert mask.tolist() == [True, False, False]


def test_distribution_alignment_against_hand_computed_values():
    """The model favours class 0 (mean 0.75): its probabilities are divided by the
    model's means, multiplied by the uniform target, renormalised."""
    aligned = align_distribution(torch.tensor([[0.6, 0.4]]), torch.tensor([0.75, 0.25]))
    a, b = 0.6 * 0.5 / 0.75, 0.4 * 0.5 / 0.25
    assert aligned.tolist()[0] == pytest.approx([a / (a + b), b / (a + b)])


def test_self_adaptive_thresholds_against_hand_computed_values():
    got = self_adaptive_thresholds(torch.tensor(0.8), torch.tensor([0.5, 0.25, 0.25]))
    assert got.tolist() == pytest.approx([0.8, 0.4, 0.4])


def test_self_adaptive_mode_updates_its_statistics_and_thresholds():
    """FreeMatch's EMA of the teacher's mean top probability and class means (decay
    0.5 here), from 1/C, then thresholds from them; the state is in the state dict."""
    model = tiny_semi_model(threshold_mode='self-adaptive', ema_decay=0.5)
    probs = torch.tensor([[0.9, 0.1], [0.7, 0.3]])
    _, threshold = model._pseudo_label_rule(probs)
    assert model.global_confidence.item() == pytest.approx(0.5 * 0.5 + 0.5 * 0.8)
    assert model.class_means.tolist() == pytest.approx(
        [0.5 * 0.5 + 0.5 * 0.8, 0.5 * 0.5 + 0.5 * 0.2])
    assert threshold.tolist() == pytest.approx([0.65, 0.65 * 0.35 / 0.65])
    assert {'global_confidence', 'class_means'} <= set(model.state_dict())


def test_distribution_alignment_changes_the_pseudo_labels_fed_to_the_loss():
    model = tiny_semi_model(distribution_alignment=True, ema_decay=0.0)
    probs, threshold = model._pseudo_label_rule(torch.tensor([[0.9, 0.1], [0.6, 0.4]]))
    assert threshold == 0.95  # fixed threshold, aligned probabilities
    assert probs.argmax(dim=1).tolist() == [0, 1]  # the second flips towards the rare class


def test_soft_weights_against_hand_computed_values():
    """SoftMatch: full weight at or above the mean confidence 0.8, below it a Gaussian of
    the shortfall with variance 0.04 / 2**2."""
    got = soft_weights(torch.tensor([0.9, 0.8, 0.7, 0.5]), torch.tensor(0.8), torch.tensor(0.04))
    assert got.tolist() == pytest.approx([1.0, 1.0, math.exp(-0.5), math.exp(-4.5)])


def test_soft_mode_weighs_every_pseudo_label_and_keeps_its_statistics():
    """The running mean and variance of the confidence move from 1/C and 1 (decay 0.5
    here); the unsupervised loss is each image's cross-entropy times its weight, so an
    image below the mean still counts, a little; the statistics are saved."""
    from mmpretrain.structures import DataSample
    model = tiny_semi_model(threshold_mode='soft', ema_decay=0.5, rampup_iters=0)
    at_iteration(10)
    teacher_logits = torch.tensor([[0.0, 4.0], [0.0, 0.5]])  # sure of one, not the other
    student_logits = torch.tensor([[0.2, 0.1], [0.3, -0.3]])
    outputs = iter([student_logits, teacher_logits])
    model._logits = lambda net, x: next(outputs)
    views = [torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 4)]
    losses = model.loss(views, [DataSample(), DataSample()])
    confidence = teacher_logits.softmax(dim=1).max(dim=1)[0]
    mean = 0.5 * 0.5 + 0.5 * confidence.mean()
    var = 0.5 * 1.0 + 0.5 * confidence.var()
    assert model.soft_mean.item() == pytest.approx(mean.item())
    assert model.soft_var.item() == pytest.approx(var.item())
    weights = soft_weights(confidence, mean, var)
    assert weights[0] == 1.0 and 0 < weights[1] < 1
    ce = torch.nn.functional.cross_entropy(student_logits, torch.tensor([1, 1]), reduction='none')
    assert losses['loss_unsup'].item() == pytest.approx((ce * weights).mean().item())
    assert losses['pseudo_confident'].item() == 0.5  # full weight: the sure one only
    assert {'soft_mean', 'soft_var'} <= set(model.state_dict())
    # the other modes' checkpoints keep the tensors they had
    assert not {'soft_mean', 'soft_var'} & set(tiny_semi_model().state_dict())


def test_alignment_to_the_labelled_shares():
    """ReMixMatch's target: the class shares of the labelled images seen (counts kept by
    the loss, one added to each), instead of uniform classes."""
    from mmpretrain.structures import DataSample
    model = tiny_semi_model(distribution_alignment='labelled', ema_decay=0.0)
    samples = [DataSample().set_gt_label(0)] * 3 + [DataSample().set_gt_label(1), DataSample()]
    model.loss([torch.zeros(5, 3, 8, 8)] * 2, samples)
    assert model.labelled_counts.tolist() == [3.0, 1.0]
    model.labelled_counts.copy_(torch.tensor([29.0, 9.0]))  # shares 30 : 10 with the one added
    aligned, _ = model._pseudo_label_rule(torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    assert aligned.flatten().tolist() == pytest.approx([0.75, 0.25, 0.75, 0.25])
    assert 'labelled_counts' not in tiny_semi_model(distribution_alignment=True).state_dict()
    with pytest.raises(
            ZooError, match="distribution_alignment='uniform'; use False or True or "
            "'labelled'"):
        tiny_semi_model(distribution_alignment='uniform')


def test_unknown_threshold_mode_is_refused():
    with pytest.raises(
            ZooError, match="threshold_mode='flex'; use 'fixed' or 'self-adaptive' or 'soft'"):
        tiny_semi_model(threshold_mode='flex')


def tiny_semi_model(data_preprocessor=None, **semi_train_cfg):
    return SemiSupervisedClassifier(
        classifier=dict(
            type='ImageClassifier',
            backbone=dict(type='CourseConvNet', base=2, depth=1),
            neck=dict(type='GlobalMaxPooling'),
            head=dict(type='LinearClsHead', num_classes=2, in_channels=2)),
        semi_train_cfg=semi_train_cfg,
        data_preprocessor=data_preprocessor)


def test_a_dataset_base_preprocessor_becomes_the_two_view_one():
    """What the runner merges in from a dataset base's top-level ``data_preprocessor``
    (no type, num_classes for one-hot batch augments) normalises both views with its
    own mean and std."""
    model = tiny_semi_model(
        data_preprocessor=dict(mean=[10, 20, 30], std=[2, 4, 5], to_rgb=False, num_classes=2))
    assert type(model.data_preprocessor).__name__ == 'SelfSupDataPreprocessor'
    views = [torch.full((1, 3, 4, 4), 50, dtype=torch.uint8)] * 2
    out = model.data_preprocessor(dict(inputs=views, data_samples=None))['inputs']
    assert len(out) == 2
    for view in out:
        assert view[0, :, 0, 0].tolist() == [20.0, 7.5, 4.0]  # (50 - mean) / std


def at_iteration(step):
    MessageHub.get_current_instance().update_info('iter', step)


def test_unsupervised_loss_counts_only_confident_images():
    """With a teacher certain of class 1 for image 0 only, the unsupervised loss is the
    student's cross-entropy on that image, over the number of unlabelled images, times the
    ramp-up (linear, half-way at iteration 5 of 10)."""
    from mmpretrain.structures import DataSample
    model = tiny_semi_model(threshold=0.9, unsup_weight=2.0, rampup_iters=10, rampup_shape='linear')
    at_iteration(5)
    teacher_logits = torch.tensor([[0.0, 10.0], [0.0, 0.1]])
    student_logits = torch.tensor([[1.0, 2.0], [0.3, -0.3], [0.5, 0.0]])  # 1 labelled first
    outputs = iter([student_logits, teacher_logits])
    model._logits = lambda net, x: next(outputs)
    samples = [
        DataSample().set_gt_label(0),
        DataSample(metainfo=dict(hidden_label=1)),
        DataSample(metainfo=dict(hidden_label=0))
    ]
    views = [torch.zeros(3, 3, 4, 4), torch.zeros(3, 3, 4, 4)]
    losses = model.loss(views, samples)
    ce = torch.nn.functional.cross_entropy
    assert losses['loss_sup'].item() == pytest.approx(
        ce(student_logits[:1], torch.tensor([0])).item())
    expected = 2.0 * 0.5 * ce(student_logits[1:2], torch.tensor([1])).item() / 2
    assert losses['loss_unsup'].item() == pytest.approx(expected)
    # image 0: confident and right (hidden 1); image 1: not confident, predicted 1, truth 0
    stats = {k: v.item() for k, v in losses.items() if not k.startswith('loss')}
    assert stats == dict(unsup_scale=0.5, pseudo_confident=0.5, pseudo_acc=0.5, pseudo_wrong=0.0)


def reference_step(model, weak, strong, data_samples):
    """The step as the model computed it before it stopped waiting for the GPU: boolean
    gathers, counts as Python ints."""
    cfg = model.semi_train_cfg
    is_labelled = torch.tensor(['gt_label' in s for s in data_samples])
    n_labelled = int(is_labelled.sum())
    logits = model._logits(model.student, torch.cat([weak[is_labelled], strong[~is_labelled]]))
    labels = torch.cat([s.gt_label for s in data_samples if 'gt_label' in s])
    loss_sup = model.student.head.loss_module(logits[:n_labelled], labels, avg_factor=n_labelled)
    probs = model._logits(model.teacher, weak[~is_labelled]).softmax(dim=1)
    pseudo, mask = pseudo_labels(probs, cfg['threshold'])
    per_image = torch.nn.functional.cross_entropy(logits[n_labelled:], pseudo, reduction='none')
    scale = rampup(MessageHub.get_current_instance().get_info('iter'), cfg['rampup_iters'],
                   cfg['rampup_shape'])
    hidden = torch.tensor([s.metainfo['hidden_label'] for s in data_samples if 'gt_label' not in s])
    right = pseudo == hidden
    return dict(
        loss_sup=loss_sup,
        loss_unsup=cfg['unsup_weight'] * scale * (per_image * mask).mean(),
        unsup_scale=scale,
        pseudo_confident=int(mask.sum()) / len(mask),
        pseudo_acc=int(right.sum()) / len(right),
        pseudo_wrong=int((mask & ~right).sum()) / len(right))


def test_training_step_values_are_those_of_the_reference_step():
    """A fixed mixed batch (labelled and unlabelled images interleaved): same losses and
    statistics to 1e-6 as the straightforward computation."""
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    model = tiny_semi_model(unsup_weight=1.5, rampup_iters=100)
    with torch.no_grad():  # a teacher that differs from the student
        for param in model.teacher.parameters():
            param.add_(torch.randn_like(param))
        model.teacher.head.fc.weight.mul_(0.03)  # confidences spread out below 1
    at_iteration(40)
    labelled = [0, 3, 5]
    samples = [
        DataSample().set_gt_label(i % 2) if i in labelled else DataSample(
            metainfo=dict(hidden_label=i % 2)) for i in range(8)
    ]
    weak, strong = torch.randn(8, 3, 16, 16), torch.randn(8, 3, 16, 16)
    model.train()
    with torch.no_grad():  # a threshold that only some unlabelled images reach
        confidence = model._logits(model.teacher, weak).softmax(dim=1).max(dim=1).values
        model.semi_train_cfg['threshold'] = float(confidence[[1, 2, 4, 6, 7]].median())
    got = model.loss([weak, strong], samples)
    expected = reference_step(model, weak, strong, samples)
    assert set(got) == set(expected)
    for key, value in expected.items():
        expected_value = float(torch.as_tensor(value).detach())
        assert float(got[key].detach()) == pytest.approx(expected_value, abs=1e-6), key
    assert 0 < float(got['pseudo_confident']) < 1  # the threshold splits the batch


def test_semi_train_cfg_is_checked():
    with pytest.raises(ZooError, match=r"semi_train_cfg: unknown keys \['min_confidence'\]"):
        tiny_semi_model(min_confidence=0.9)
    with pytest.raises(ZooError, match="rampup shape 'cosine'"):
        tiny_semi_model(rampup_shape='cosine')
    with pytest.raises(
            ZooError,
            match=r'move threshold into semi_train_cfg, e.g. '
            r'semi_train_cfg=dict\(threshold=...\)'):
        SemiSupervisedClassifier(classifier=dict(type='ImageClassifier'), threshold=0.9)


class _Sized:

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def test_sampler_mixes_labelled_and_unlabelled_in_the_ratio():
    dataset = ConcatDataset.__new__(ConcatDataset)
    dataset.datasets = [_Sized(6), _Sized(50)]
    sampler = LabelledUnlabelledSampler(dataset, batch_size=10, source_ratio=(1, 4), seed=3)
    indices = list(itertools.islice(iter(sampler), 10 * 30))
    for b in range(30):
        batch = indices[10 * b:10 * (b + 1)]
        assert sum(i < 6 for i in batch) == 2 and sum(i >= 6 for i in batch) == 8
    unlabelled = [i for i in indices if i >= 6]
    assert sorted(unlabelled[:50]) == list(range(6, 56))  # every unlabelled image once a round
    labelled = [i for i in indices if i < 6]
    assert sorted(labelled[:6]) == list(range(6))  # every labelled image once a round
    assert indices == list(itertools.islice(iter(sampler), 300))  # seeded: reproducible


def test_sampler_rejects_a_batch_the_ratio_does_not_divide():
    dataset = ConcatDataset.__new__(ConcatDataset)
    dataset.datasets = [_Sized(6), _Sized(50)]
    with pytest.raises(
            ZooError, match=r'batch_size=12 cannot be split 1:4; make it a multiple of 5'):
        LabelledUnlabelledSampler(dataset, batch_size=12, source_ratio=(1, 4), seed=0)


def test_select_labelled_is_seeded_and_stratified():
    labels = [0] * 10 + [1] * 20 + [2] * 5
    a = select_labelled(labels, labels_per_class=3, seed=1)
    assert a == select_labelled(labels, labels_per_class=3, seed=1)
    assert a != select_labelled(labels, labels_per_class=3, seed=2)
    assert [np.take(labels, a).tolist().count(c) for c in range(3)] == [3, 3, 3]
    b = select_labelled(labels, fraction=0.1, seed=0)
    assert [np.take(labels, b).tolist().count(c) for c in range(3)] == [1, 2, 1]  # >= 1 each
    with pytest.raises(ZooError, match='class 2 has 5 images, fewer than labels_per_class=6'):
        select_labelled(labels, labels_per_class=6)
    with pytest.raises(ZooError, match='exactly one of'):
        select_labelled(labels)


def test_split_parts_partition_the_folder_and_hide_labels(tmp_path):
    for cls in ('sand', 'marsh'):
        for i in range(5):
            write_png(tmp_path / 'train' / cls / f'{i}.png', value=i)
    kw = dict(
        data_root=str(tmp_path),
        data_prefix='train',
        classes=('sand', 'marsh'),
        labels_per_class=2,
        split_seed=4)
    lab = ImageFolderSplit(part='labelled', **kw)
    unl = ImageFolderSplit(part='unlabelled', **kw)
    lab_paths = {lab.get_data_info(i)['img_path'] for i in range(len(lab))}
    unl_infos = [unl.get_data_info(i) for i in range(len(unl))]
    assert len(lab) == 4 and len(unl) == 6
    assert lab_paths.isdisjoint(d['img_path'] for d in unl_infos)
    assert all('gt_label' not in d for d in unl_infos)
    assert {d['hidden_label'] for d in unl_infos} == {0, 1}


def test_unlabelled_folder_reads_images_and_optional_truth(tmp_path):
    write_png(tmp_path / 'unl/a.png')
    write_png(tmp_path / 'unl/sub/b.png')
    (tmp_path / 'truth.txt').write_text('sub/b.png 2\n')
    ds = UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl', truth_file='truth.txt')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(d['img_path'].split('unl/')[1], d['hidden_label'])
            for d in infos] == [('a.png', -1), ('sub/b.png', 2)]


def test_empty_unlabelled_folder_is_a_clear_error(tmp_path):
    (tmp_path / 'unl').mkdir()
    with pytest.raises(ZooError, match=r'no unlabelled images in .*unl; put images there'):
        UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl')


def test_corrupt_unlabelled_image_is_named(tmp_path):
    write_png(tmp_path / 'unl/good.png')
    (tmp_path / 'unl/broken.jpg').write_bytes(b'\xff\xd8 truncated')
    with pytest.raises(ZooError, match=r'(?s)1 unreadable image.*unl/broken.jpg'):
        UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl')


def test_unlabelled_list_file_with_a_missing_image(tmp_path):
    write_png(tmp_path / 'unl/a.png')
    (tmp_path / 'list.txt').write_text('a.png\nmissing.png\n')
    with pytest.raises(
            ZooError, match=r'list.txt: 1 listed image\(s\) not found, first .*missing.png'):
        UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl', ann_file='list.txt')


def test_an_ema_number_has_one_meaning_and_old_keys_say_the_new_one():
    """``decay`` is the share kept, for the teacher and the running statistics alike; the
    old keys (mmdet's ``momentum``, the student's share; ``ema_momentum``) are refused
    with the key and number to write instead."""
    from custom_modules.run.hooks import MeanTeacherHook
    assert MeanTeacherHook().decay == 0.99
    with pytest.raises(
            ZooError,
            match=r"momentum=0.01 \(the student's share\) is now "
            r'decay=0.99 \(the share of the teacher kept each step\)'):
        MeanTeacherHook(momentum=0.01)
    with pytest.raises(ZooError, match='semi_train_cfg: ema_momentum is now ema_decay'):
        tiny_semi_model(ema_momentum=0.999)
