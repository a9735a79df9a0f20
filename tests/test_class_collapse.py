"""Collapse is said, not silent, once: a class the model never gets right (every family;
not a class that scores, or is absent from validation), and pseudo-labels piling onto one
class or a teacher confident on nothing (semi-supervised)."""
import types

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from custom_modules.run.hooks import SilentClassHook


def runner(classes):
    dataset = types.SimpleNamespace(metainfo=dict(classes=classes))
    logged = []
    logger = types.SimpleNamespace(info=logged.append)
    return types.SimpleNamespace(
        train_dataloader=types.SimpleNamespace(dataset=dataset), logger=logger, logged=logged)


def mask_batch(counts):
    """A batch of one mask holding ``counts[c]`` pixels of class c, and 255s."""
    values = np.concatenate([np.full(n, c) for c, n in enumerate(counts)] + [np.full(10, 255)])
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.as_tensor(values).reshape(1, 1, -1))
    return dict(data_samples=[sample])


def test_a_class_at_iou_zero_three_validations_in_a_row_is_said_once(capsys):
    hook, run = SilentClassHook(patience=3), runner(['ground', 'building', 'road'])
    for _ in range(2):
        hook.after_train_iter(run, 0, mask_batch([72, 4, 24]))
    scores = [
        {
            'IoU/ground': 90.0,
            'IoU/building': 0.0,
            'IoU/road': 10.0
        },
        {
            'IoU/ground': 91.0,
            'IoU/building': 0.0,
            'IoU/road': 0.0
        },
        {
            'IoU/ground': 92.0,
            'IoU/building': 0.0,
            'IoU/road': 5.0
        },  # road scores again
        {
            'IoU/ground': 92.0,
            'IoU/building': 0.0,
            'IoU/road': float('nan')
        },
    ]
    for metrics in scores:
        hook.after_val_epoch(run, metrics)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "WARNING: class 'building' was never predicted right (IoU 0 in 3 validations in a row); "
        'it is 4.0 % of the training labels: what helps is windows sampled around the labels '
        "(windows.sampler='labels'), class weights (WeightedCrossEntropyLoss class_weight) or a "
        'Dice + cross-entropy loss (the raster default: BinaryDiceLoss(batch=True) with '
        'CrossEntropyLoss at loss_weight=0.2, '
        'configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py)'
    ]
    assert run.logged == [err[0][len('WARNING: '):]]


def test_a_classifier_column_of_zeros_is_said_by_its_f1():
    hook, run = SilentClassHook(patience=2), runner(['marsh', 'water'])
    for _ in range(2):
        hook.after_val_epoch(run, {'cls/accuracy': 50.0, 'cls/f1/marsh': 66.7, 'cls/f1/water': 0.0})
    assert len(run.logged) == 1 and "class 'water'" in run.logged[0]
    assert 'share unknown' not in run.logged[0] and 'BalancedCrossEntropyLoss' in run.logged[0]


class FakeSemiModel(torch.nn.Module):
    """What PseudoLabelHook reads of a SemiSupervisedClassifier: its confident pseudo-label
    counts, a student, a teacher and the ramp-up."""

    def __init__(self, classes=4):
        super().__init__()
        self.student, self.teacher = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
        self.register_buffer('pseudo_counts', torch.zeros(classes, dtype=torch.long))
        self.semi_train_cfg = dict(
            rampup_iters=100, threshold_mode='fixed', distribution_alignment=False)


def semi_runner(tmp_path, classes):
    run = runner(classes)
    run.model, run.work_dir, run.iter = FakeSemiModel(len(classes)), str(tmp_path), 0
    return run


def labelled_batch(labels):
    from mmpretrain.structures import DataSample
    return dict(data_samples=[DataSample().set_gt_label(c) for c in labels])


def test_pseudo_labels_piling_onto_one_class_are_said_once(tmp_path, capsys):
    """Forced collapse: from iteration 100 on, nearly every confident pseudo-label is
    'water' (a quarter of the labelled images): said once, with the rule's numbers; the
    shares over time go to pseudo_labels.csv."""
    from custom_modules.run.hooks import PseudoLabelHook
    classes = ['marsh', 'pebbles', 'ripples', 'water']
    hook, run = PseudoLabelHook(interval=50, patience=3), semi_runner(tmp_path, classes)
    for step in range(400):
        run.iter = step
        given = torch.tensor([2, 2, 2, 2]) if step < 100 else torch.tensor([0, 0, 1, 7])
        run.model.pseudo_counts += given
        hook.after_train_iter(run, step, labelled_batch([0, 1, 2, 3]),
                              dict(pseudo_confident=torch.tensor(0.5)))
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        "WARNING: pseudo-labels pile onto class 'water': 88 % of the confident pseudo-labels, "
        'against 25 % of the labelled images (more than 2x in 3 windows of 50 iterations in a '
        "row, to iteration 250): try distribution alignment (semi_train_cfg.distribution_"
        "alignment=True) or self-adaptive thresholds (threshold_mode='self-adaptive') to keep "
        "pseudo-labels in proportion, unless that many of the unlabelled images really are 'water'"
    ]
    hook.after_train(run)
    rows = (tmp_path / 'pseudo_labels.csv').read_text().splitlines()
    assert rows[0] == 'iteration,confident,marsh,pebbles,ripples,water'
    assert rows[1] == '50,0.5,0.25,0.25,0.25,0.25' and rows[-1] == '400,0.5,0.0,0.0,0.125,0.875'


def test_a_pile_onto_another_class_later_is_said_too(tmp_path, capsys):
    """On the Landsat windows (seed 13 of the benchmark) the pseudo-labels piled onto
    'developed' by iteration 350 and onto 'shrubland' from 650 to the end (55 to 65 % of
    them, against 6 % of the windows), and only the first was said. A class on top in
    windows that are not in a row does not count."""
    from custom_modules.run.hooks import PseudoLabelHook
    hook, run = PseudoLabelHook(interval=50, patience=3), semi_runner(tmp_path, list('abcd'))
    run.model.semi_train_cfg = dict(rampup_iters=0, **DEFAULT_SETTINGS)
    # windows of 50 iterations: a, a, a (said), a, then b, a, b (not in a row), then
    # b, b, b (said at 450), b, then a again (said before)
    for window, top in enumerate('aaaababbbba'):
        for step in range(50 * window, 50 * window + 50):
            run.iter = step
            run.model.pseudo_counts += torch.tensor([9, 1, 0, 0] if top == 'a' else [1, 9, 0, 0])
            hook.after_train_iter(run, step, labelled_batch([0, 1, 2, 3]),
                                  dict(pseudo_confident=torch.tensor(0.5)))
    said = capsys.readouterr().err.strip().splitlines()
    assert [line.split(':')[1] for line in said
            ] == [" pseudo-labels pile onto class 'a'", " pseudo-labels pile onto class 'b'"]
    assert 'to iteration 150)' in said[0] and 'to iteration 450)' in said[1]


DEFAULT_SETTINGS = dict(threshold_mode='fixed', distribution_alignment=True)


@pytest.mark.parametrize('settings, helps', [
    (dict(threshold_mode='fixed', distribution_alignment=True),
     "self-adaptive thresholds (threshold_mode='self-adaptive') to keep"),
    (dict(threshold_mode='self-adaptive',
          distribution_alignment=True), "a fixed threshold (threshold_mode='fixed') to keep"),
    (dict(threshold_mode='soft',
          distribution_alignment='labelled'), "a fixed threshold (threshold_mode='fixed') to keep"),
])
def test_a_remedy_already_on_is_not_advised(tmp_path, capsys, settings, helps):
    """The zoo's default has distribution alignment on: its pile-up line (every run on the
    Landsat windows at 4 labels a class says one) named distribution alignment as the
    remedy all the same."""
    from custom_modules.run.hooks import PseudoLabelHook
    hook, run = PseudoLabelHook(interval=50, patience=3), semi_runner(tmp_path, list('abcd'))
    run.model.semi_train_cfg = dict(rampup_iters=0, **settings)
    for step in range(150):
        run.iter = step
        run.model.pseudo_counts += torch.tensor([9, 1, 0, 0])
        hook.after_train_iter(run, step, labelled_batch([0, 1, 2, 3]),
                              dict(pseudo_confident=torch.tensor(0.5)))
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("WARNING: pseudo-labels pile onto class 'a'")
    assert said[0].endswith(f"try {helps} pseudo-labels in proportion, unless that many of the "
                            "unlabelled images really are 'a'")
    assert 'distribution_alignment' not in said[0]


def test_a_teacher_confident_on_nothing_after_the_ramp_up_is_said(tmp_path, capsys):
    from custom_modules.run.hooks import PseudoLabelHook
    hook, run = PseudoLabelHook(interval=50, patience=3), semi_runner(tmp_path, ['a', 'b'])
    for step in range(300):
        run.iter = step
        hook.after_train_iter(run, step, labelled_batch([0, 1]),
                              dict(pseudo_confident=torch.tensor(0.0)))
    said = capsys.readouterr().err.strip().splitlines()
    # windows end at 50, 100, ...; the third wholly after the ramp-up (100 iterations) ends
    # at 250
    assert len(said) == 1 and said[0].startswith(
        'WARNING: the teacher is confident on 0.0 % of the unlabelled images (below 2 % in 3 '
        'windows of 50 iterations in a row, to iteration 250)')


@pytest.mark.parametrize('mode, helps', [
    ('fixed', "lower semi_train_cfg.threshold, or use threshold_mode='self-adaptive' (FreeMatch)"),
    ('self-adaptive', 'try a lower semi_train_cfg.ema_decay (now 0.999), for the thresholds to '
     "follow the teacher's confidence sooner"),
    ('soft', 'try a lower semi_train_cfg.ema_decay (now 0.999), for the thresholds to follow '
     "the teacher's confidence sooner"),
])
def test_a_teacher_confident_on_nothing_is_told_what_its_mode_can_change(
        tmp_path, capsys, mode, helps):
    """Self-adaptive and soft thresholds are running means of the teacher's confidence and
    use no semi_train_cfg.threshold: the floor line told them to lower it all the same."""
    from custom_modules.run.hooks import PseudoLabelHook
    hook, run = PseudoLabelHook(interval=50, patience=3), semi_runner(tmp_path, ['a', 'b'])
    run.model.semi_train_cfg = dict(
        rampup_iters=0, threshold_mode=mode, distribution_alignment=False, ema_decay=0.999)
    for step in range(150):
        run.iter = step
        hook.after_train_iter(run, step, labelled_batch([0, 1]),
                              dict(pseudo_confident=torch.tensor(0.0)))
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].endswith(f'to iteration 150): {helps}')


def test_a_detector_class_never_found_is_said_by_its_recall():
    hook, run = SilentClassHook(patience=3), runner(['person', 'dog'])
    for _ in range(3):
        hook.after_val_epoch(run, {
            'coco/bbox_mAP': 0.3,
            'count/recall/person': 70.0,
            'count/recall/dog': 0.0
        })
    assert len(run.logged) == 1
    assert run.logged[0].startswith("class 'dog' was never predicted right (recall 0 in 3 ")
    assert 'lower score threshold' in run.logged[0]


def test_validations_of_the_first_tenth_of_training_are_not_counted():
    """The demo detector finds no person (recall 0) after epochs 1 and 2 of 12, then does:
    the first tenth of training is a warm-up, not a silent class."""
    hook, run = SilentClassHook(patience=2), runner(['person'])
    run.max_iters = 120
    for epoch, recall in enumerate([0.0, 0.0, 47.0, 77.0], 1):
        run.iter = 10 * epoch
        hook.after_val_epoch(run, {'count/recall/person': recall})
    assert run.logged == []
    run.iter = 50
    hook.after_val_epoch(run, {'count/recall/person': 0.0})
    run.iter = 60
    hook.after_val_epoch(run, {'count/recall/person': 0.0})
    assert len(run.logged) == 1


def test_a_segmentors_pseudo_labels_piling_onto_one_class_are_said_in_pixels(tmp_path, capsys):
    """The same hook on a SemiSupervisedSegmentor (a student with a decode head, no
    distribution alignment): pixels, and the remedy it has."""
    from custom_modules.run.hooks import PseudoLabelHook
    hook, run = PseudoLabelHook(interval=10, patience=2), semi_runner(tmp_path, ['water', 'sand'])
    run.model.student.decode_head = torch.nn.Identity()
    run.model.semi_train_cfg = dict(rampup_iters=10, threshold_mode='fixed')
    for step in range(30):
        run.iter = step
        run.model.pseudo_counts += torch.tensor([95, 5])
        hook.after_train_iter(run, step, seg_batch(), dict(pseudo_confident=torch.tensor(0.9)))
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        "WARNING: pseudo-labels pile onto class 'water': 95 % of the confident pseudo-labels, "
        'against 25 % of the labelled pixels (more than 2x in 2 windows of 10 iterations in a '
        "row, to iteration 30): try self-adaptive thresholds (threshold_mode='self-adaptive') "
        "to keep pseudo-labels in proportion, unless that many of the unlabelled pixels "
        "really are 'water'"
    ]


def seg_batch():
    """A mask of 1 water pixel, 3 sand pixels and the rest unlabelled (255)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    mask = torch.full((1, 4, 4), 255)
    mask[0, 0, :4] = torch.tensor([0, 1, 1, 1])
    return dict(data_samples=[SegDataSample(gt_sem_seg=PixelData(data=mask))])
