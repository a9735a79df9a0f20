"""A class the model never gets right is said in one line, with its share of the training
labels, once; a class that scores, or is absent from validation (NaN), is not."""
import types

import numpy as np
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
        {'IoU/ground': 90.0, 'IoU/building': 0.0, 'IoU/road': 10.0},
        {'IoU/ground': 91.0, 'IoU/building': 0.0, 'IoU/road': 0.0},
        {'IoU/ground': 92.0, 'IoU/building': 0.0, 'IoU/road': 5.0},  # road scores again
        {'IoU/ground': 92.0, 'IoU/building': 0.0, 'IoU/road': float('nan')},
    ]
    for metrics in scores:
        hook.after_val_epoch(run, metrics)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "WARNING: class 'building' was never predicted right (IoU 0 in 3 validations in a row); "
        'it is 4.0 % of the training labels: what helps is windows sampled around the labels '
        "(windows.sampler='labels'), class weights (WeightedCrossEntropyLoss class_weight) or a "
        'Dice + cross-entropy loss'
    ]
    assert run.logged == [err[0][len('WARNING: '):]]


def test_a_classifier_column_of_zeros_is_said_by_its_f1():
    hook, run = SilentClassHook(patience=2), runner(['marsh', 'water'])
    for _ in range(2):
        hook.after_val_epoch(run, {'cls/accuracy': 50.0, 'cls/f1/marsh': 66.7, 'cls/f1/water': 0.0})
    assert len(run.logged) == 1 and "class 'water'" in run.logged[0]
    assert 'share unknown' not in run.logged[0] and 'BalancedCrossEntropyLoss' in run.logged[0]
