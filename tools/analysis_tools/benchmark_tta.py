"""What test-time augmentation and ensembles gain, side by side in one run, on the test windows
of a raster config: the runtime's predictions (tools/infer.py's) scored against the labels.

    python tools/analysis_tools/benchmark_tta.py CONFIG CHECKPOINT [--ensemble CKPT ...]
        [--tta none flip d4] [--score-thr 0.05] [--out work_dirs/benchmark_tta.json]

Detection: COCO mAP and mAP50 (pycocotools) of the boxes scoring at least ``--score-thr``;
segmentation: mIoU and per-class IoU, nodata pixels left out. One row per ``--tta`` mode,
then the same with the ``--ensemble`` checkpoints when given. The test windows are read by
the config's ``LoadRasterWindow`` as training read them.
"""
import argparse
import json
import os
import os.path as osp
import time

import numpy as np

from custom_modules.cli import clean_errors, load_config, require_checkpoint
from custom_modules.deploy import Predictor
from custom_modules.errors import ZooError
from custom_modules.export.onnx_export import (ExportModule, TorchNetwork, build_model, spec_of,
                                               task_of)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--ensemble', nargs='+', default=[])
    parser.add_argument('--tta', nargs='+', default=['none', 'flip', 'd4'])
    parser.add_argument('--score-thr', type=float, default=0.05)
    parser.add_argument('--out', default='work_dirs/benchmark_tta.json')
    parser.add_argument('--cfg-options', nargs='+', default={})
    return parser.parse_args()


def test_windows(cfg):
    """``(sample, image, truth)`` of every test window: boxes or the burnt mask."""
    from mmengine.registry import DATASETS, TRANSFORMS
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if not infos or 'window' not in infos[0]:
        raise ZooError(f'{cfg.filename}: its test dataset is not a raster dataset')
    load = next(t for t in cfg.test_dataloader.dataset.pipeline if 'LoadRaster' in t['type'])
    load = TRANSFORMS.build(load)
    for info in infos:
        loaded = load(dict(info))
        yield info, loaded['img'], loaded.get('gt_seg_map', info.get('instances'))


def coco_scores(found, truths, n_classes):
    """COCO bbox mAP and mAP50 of ``found`` detections against ``truths`` (mmdet instances)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    images, annotations, results = [], [], []
    for i, (det, truth) in enumerate(zip(found, truths)):
        images.append(dict(id=i))
        for t in truth:
            x0, y0, x1, y1 = t['bbox']
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=i,
                    category_id=t['bbox_label'],
                    bbox=[x0, y0, x1 - x0, y1 - y0],
                    area=(x1 - x0) * (y1 - y0),
                    iscrowd=0))
        for (x0, y0, x1, y1), s, lab in zip(det['boxes'].tolist(), det['scores'].tolist(),
                                            det['labels'].tolist()):
            results.append(
                dict(image_id=i, category_id=int(lab), bbox=[x0, y0, x1 - x0, y1 - y0], score=s))
    truth = COCO()
    truth.dataset = dict(
        images=images, annotations=annotations, categories=[dict(id=k) for k in range(n_classes)])
    truth.createIndex()
    if not results:
        return dict(bbox_mAP=0.0, bbox_mAP_50=0.0)
    evaluation = COCOeval(truth, truth.loadRes(results), 'bbox')
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return dict(
        bbox_mAP=round(float(evaluation.stats[0]), 4),
        bbox_mAP_50=round(float(evaluation.stats[1]), 4))


def iou_scores(found, truths, classes):
    inter, union = np.zeros(len(classes)), np.zeros(len(classes))
    for pred, truth in zip(found, truths):
        valid = truth != 255
        for c in range(len(classes)):
            p, t = (pred['mask'] == c) & valid, (truth == c) & valid
            inter[c] += (p & t).sum()
            union[c] += (p | t).sum()
    ious = inter / np.maximum(union, 1)
    return dict(
        mIoU=round(100 * float(ious.mean()), 2),
        **{
            f'IoU/{c}': round(100 * float(v), 2)
            for c, v in zip(classes, ious)
        })


def detection_scores(found, truths, spec, args):
    kept = [{k: v[d['scores'] >= args.score_thr] for k, v in d.items()} for d in found]
    return coco_scores(kept, truths, len(spec['classes']))


def segmentation_scores(found, truths, spec, args):
    return iou_scores(found, truths, spec['classes'])


SCORES = dict(detection=detection_scores, segmentation=segmentation_scores)  # by task


@clean_errors
def main():
    args = parse_args()
    cfg = load_config(args)
    task, _ = task_of(cfg)
    models = [build_model(cfg, require_checkpoint(c)) for c in [args.checkpoint, *args.ensemble]]
    networks = [TorchNetwork(ExportModule(m, task).eval()) for m in models]
    spec = spec_of(cfg, models[0])
    windows = list(test_windows(cfg))
    rows = []
    setups = [(tta, networks[:1]) for tta in args.tta]
    if args.ensemble:
        setups += [(tta, networks) for tta in args.tta]
    for tta, members in setups:
        predictor = Predictor(spec, members[0], tta=tta, ensemble=members[1:])
        start = time.perf_counter()
        found = [predictor.predict_whole(img) for _, img, _ in windows]
        seconds = time.perf_counter() - start
        truths = [truth for _, _, truth in windows]
        scores = SCORES[task](found, truths, spec, args)
        row = dict(tta=tta, models=len(members), seconds=round(seconds, 2), **scores)
        print(json.dumps(row))
        rows.append(row)
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(config=args.config, windows=len(windows), rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
