"""The course's CSV boxes, the COCO converter, and the people-counting metric."""
import csv
import logging

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from PIL import Image

import custom_modules.objrecog  # noqa: F401 (registration)
from custom_modules.errors import ZooError
from custom_modules.objrecog.datasets import CourseCSVDataset, read_course_csv
from custom_modules.objrecog.hooks import CountScatterHook
from custom_modules.objrecog.metrics import CountingMetric
from zoo_test_utils import run_tool, runner_evaluating

HEADER = ['filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax']


def write_csv(path, rows, header=True):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        if header:
            writer.writerow(HEADER)
        writer.writerows(rows)


ROWS = [['a.jpg', 64, 48, 'person', 1, 2, 11, 22], ['a.jpg', 64, 48, 'person', 30, 5, 40, 30],
        ['b.jpg', 64, 48, '', '', '', '', ''], ['c.jpg', 64, 48, 'person', 0, 0, 64, 48]]


def test_reads_boxes_and_keeps_negatives(tmp_path):
    write_csv(tmp_path / 'boxes.csv', ROWS, header=False)
    images = read_course_csv(str(tmp_path / 'boxes.csv'), ['person'])
    assert [(i['filename'], len(i['boxes'])) for i in images] == [('a.jpg', 2), ('b.jpg', 0),
                                                                  ('c.jpg', 1)]
    assert images[0]['boxes'][1] == [30.0, 5.0, 40.0, 30.0, 0]


@pytest.mark.parametrize('row, message', [
    (['a.jpg', 64, 48, 'dog', 1, 2, 11, 22], r"line 2: class 'dog' is not in the class list"),
    (['a.jpg', 64, 48, 'person', 1, 2, 70, 22], r'line 2: box \(1, 2, 70, 22\) is empty or '
     r'outside the 64x48 image a.jpg'),
    (['a.jpg', 64, 48, 'person', 1, 2], r'line 2: expected 8 fields'),
    (['a.jpg', 64, 48, 'person', 'x', 2, 3, 4], r'line 2: could not convert'),
])
def test_bad_rows_are_named(tmp_path, row, message):
    write_csv(tmp_path / 'boxes.csv', [row])
    with pytest.raises(ZooError, match=message):
        read_course_csv(str(tmp_path / 'boxes.csv'), ['person'])


def test_dataset_missing_image_is_named(tmp_path):
    write_csv(tmp_path / 'train.csv', ROWS)
    for name in ('a.jpg', 'b.jpg'):
        Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / name)
    with pytest.raises(
            ZooError,
            match=r'1 image\(s\) listed in .*train.csv not found; '
            r'.*on_bad=.skip.:\n.*c.jpg: not found'):
        CourseCSVDataset(ann_file='train.csv', data_root=str(tmp_path), data_prefix=dict(img=''))
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(tmp_path / 'c.jpg')
    ds = CourseCSVDataset(ann_file='train.csv', data_root=str(tmp_path), data_prefix=dict(img=''))
    assert [len(ds.get_data_info(i)['instances']) for i in range(3)] == [2, 0, 1]


def test_csv_to_coco(tmp_path):
    import json
    write_csv(tmp_path / 'boxes.csv', ROWS)
    run_tool('dataset_converters/csv_to_coco.py', tmp_path / 'boxes.csv', tmp_path / 'out.json')
    coco = json.loads((tmp_path / 'out.json').read_text())
    assert [i['file_name'] for i in coco['images']] == ['a.jpg', 'b.jpg', 'c.jpg']
    assert coco['annotations'][1]['bbox'] == [30.0, 5.0, 10.0, 25.0]
    assert coco['categories'] == [dict(id=1, name='person')]


def detections(scores, n_true):
    return dict(
        pred_instances=dict(scores=torch.tensor(scores)),
        gt_instances=dict(bboxes=torch.zeros(n_true, 4)),
        img_path=f'{n_true}.jpg')


def test_counting_metric_against_hand_computed(tmp_path):
    metric = CountingMetric(score_thr=0.5, out_dir=str(tmp_path))
    # predicted counts 2, 0, 3 (0.5 counts, 0.49 does not); observed 2, 1, 1
    metric.process(
        None,
        [detections([0.9, 0.5, 0.49], 2),
         detections([0.2], 1),
         detections([0.6, 0.7, 0.8], 1)])
    out = metric.evaluate(3)
    assert out['count/mae'] == pytest.approx((0 + 1 + 2) / 3)
    assert out['count/bias'] == pytest.approx((0 - 1 + 2) / 3)
    assert out['count/exact'] == pytest.approx(100 / 3)
    rows = list(csv.reader(open(tmp_path / 'counts.csv')))
    assert rows[0] == ['image', 'observed', 'predicted'] and rows[3] == ['1.jpg', '1', '3']
    assert not (tmp_path / 'counts_scatter.png').exists()
    CountScatterHook().after_val_epoch(runner_evaluating(metric, 'elsewhere'))
    assert (tmp_path / 'counts_scatter.png').stat().st_size > 1000


def test_coco_metric_reports_zero_when_nothing_is_detected():
    from custom_modules.objrecog.metrics import ZooCocoMetric
    metric = ZooCocoMetric(metric='bbox')
    metric.dataset_meta = dict(classes=('person', ))
    metric.process({}, [
        dict(
            img_id=0,
            ori_shape=(32, 32),
            pred_instances=dict(
                bboxes=torch.zeros(0, 4),
                scores=torch.zeros(0),
                labels=torch.zeros(0, dtype=torch.long)),
            instances=[dict(bbox=[1, 1, 9, 9], bbox_label=0, ignore_flag=0)])
    ])
    logged = []
    handler = logging.Handler()
    handler.emit = logged.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        out = metric.evaluate(1)
    finally:
        logger.removeHandler(handler)
    assert out['coco/bbox_mAP'] == 0.0 and out['coco/bbox_mAP_50'] == 0.0
    # one INFO line says so; no ERROR (mmdet's "results of the whole dataset is empty")
    assert [(r.levelname, r.getMessage()) for r in logged
            ] == [('INFO', 'CocoMetric: no detections in any image (yet): every mAP is 0')]


def test_counting_metric_gives_each_class_its_recall(tmp_path):
    """count/recall/<class>: the share of its boxes a counted detection of the class
    overlaps by IoU >= 0.5; a class never found scores 0 (SilentClassHook says it)."""
    metric = CountingMetric(score_thr=0.5, out_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=('person', 'dog'))
    box = [[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0], [40.0, 40.0, 50.0, 50.0]]
    sample = dict(
        pred_instances=dict(
            scores=torch.tensor([0.9, 0.4, 0.8]),
            bboxes=torch.tensor([box[0], box[1], [40.0, 40.0, 46.0, 50.0]]),
            labels=torch.tensor([0, 0, 0])),
        gt_instances=dict(bboxes=torch.tensor(box), labels=torch.tensor([0, 0, 1])),
        img_path='a.jpg')
    metric.process(None, [sample])
    out = metric.evaluate(1)
    # person: box 0 found, box 1 only by a detection under the threshold; dog: found by a
    # person detection only (and IoU 0.6), so never found
    assert out['count/recall/person'] == pytest.approx(50.0)
    assert out['count/recall/dog'] == 0.0
