"""The semi-supervised parts: EMA teacher, ramp-up, pseudo-label masking, the mixing
sampler, the seeded splits and the unlabelled-folder reader."""
import math
import itertools

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import ConcatDataset
from PIL import Image

import custom_modules.ssimrecog  # noqa: F401 (registers the family)
from custom_modules.errors import ZooError
from custom_modules.ssimrecog.datasets import (ImageFolderSplit, UnlabelledImageFolder,
                                               select_labelled)
from custom_modules.ssimrecog.hooks import ema_update, rampup
from custom_modules.ssimrecog.samplers import LabelledUnlabelledSampler
from custom_modules.ssimrecog.semi_classifier import SemiSupervisedClassifier, pseudo_labels


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
    ema_update(teacher, student, momentum=0.25)
    # teacher = 0.75 * teacher + 0.25 * student
    assert torch.allclose(teacher.weight, torch.tensor([1.5, 3.0]))
    assert torch.allclose(teacher.running_mean, torch.tensor([0.25, 7.5]))
    assert int(teacher.num_batches_tracked) == 7  # integer buffers are copied
    assert torch.equal(student.weight, torch.tensor([3.0, 6.0]))  # the student is untouched


@pytest.mark.parametrize('step, shape, expected', [
    (0, 'sigmoid', math.exp(-5)), (50, 'sigmoid', math.exp(-5 * 0.25)), (100, 'sigmoid', 1.0),
    (500, 'sigmoid', 1.0), (0, 'linear', 0.0), (25, 'linear', 0.25), (200, 'linear', 1.0)])
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


def test_unsupervised_loss_counts_only_confident_images():
    """With a teacher certain of class 1 for image 0 only, the unsupervised loss is the
    student's cross-entropy on that image, over the number of unlabelled images."""
    from mmpretrain.structures import DataSample
    model = SemiSupervisedClassifier(
        classifier=dict(type='ImageClassifier', backbone=dict(type='CourseConvNet', base=2, depth=1),
                        neck=dict(type='GlobalMaxPooling'),
                        head=dict(type='LinearClsHead', num_classes=2, in_channels=2)),
        threshold=0.9, unsup_weight=2.0)
    model.hook_ready, model.unsup_scale = True, 0.5
    teacher_logits = torch.tensor([[0.0, 10.0], [0.0, 0.1]])
    student_logits = torch.tensor([[1.0, 2.0], [0.3, -0.3], [0.5, 0.0]])  # 1 labelled first
    outputs = iter([student_logits, teacher_logits])
    model._logits = lambda net, x: next(outputs)
    samples = [DataSample().set_gt_label(0), DataSample(metainfo=dict(hidden_label=1)),
               DataSample(metainfo=dict(hidden_label=0))]
    views = [torch.zeros(3, 3, 4, 4), torch.zeros(3, 3, 4, 4)]
    losses = model.loss(views, samples)
    ce = torch.nn.functional.cross_entropy
    assert losses['loss_sup'].item() == pytest.approx(ce(student_logits[:1], torch.tensor([0])).item())
    expected = 2.0 * 0.5 * ce(student_logits[1:2], torch.tensor([1])).item() / 2
    assert losses['loss_unsup'].item() == pytest.approx(expected)
    assert model.stats == dict(unlabelled=2, confident=1, with_truth=2, correct=1,
                               confident_with_truth=1, confident_correct=1)


def test_classifier_refuses_to_train_without_its_hook():
    model = SemiSupervisedClassifier(classifier=dict(
        type='ImageClassifier', backbone=dict(type='CourseConvNet', base=2, depth=1),
        neck=dict(type='GlobalMaxPooling'),
        head=dict(type='LinearClsHead', num_classes=2, in_channels=2)))
    with pytest.raises(ZooError, match='add dict.type=.SemiSupervisedHook.. to custom_hooks'):
        model.loss([torch.zeros(1, 3, 4, 4)] * 2, [])


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
    assert set(indices[:2 * 30:1]) <= set(range(56))
    labelled = [i for i in indices if i < 6]
    assert sorted(labelled[:6]) == list(range(6))  # every labelled image once a round
    assert indices == list(itertools.islice(iter(sampler), 300))  # seeded: reproducible


def test_sampler_rejects_a_batch_the_ratio_does_not_divide():
    dataset = ConcatDataset.__new__(ConcatDataset)
    dataset.datasets = [_Sized(6), _Sized(50)]
    with pytest.raises(ZooError, match=r'batch_size=12 cannot be split 1:4; make it a multiple of 5'):
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
    kw = dict(data_root=str(tmp_path), data_prefix='train', classes=('sand', 'marsh'),
              labels_per_class=2, split_seed=4)
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
    assert [(d['img_path'].split('unl/')[1], d['hidden_label']) for d in infos] == [
        ('a.png', -1), ('sub/b.png', 2)]


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
    with pytest.raises(ZooError, match=r'list.txt: 1 listed image\(s\) not found, first .*missing.png'):
        UnlabelledImageFolder(data_root=str(tmp_path), data_prefix='unl', ann_file='list.txt')
