"""Detect objects in a folder of new images: pictures with boxes, CSV and JSON of boxes."""
import csv
import json
import os
import os.path as osp

import mmcv

from ..checkpoints import check_checkpoint_fits
from ..datasets.image_files import list_images, read_images
from .datasets import COLUMNS
from .visualization import draw_boxes


def detect_folder(config, checkpoint, source, out_dir, score_thr=0.5, device='cpu', on_bad='skip'):
    """Run the detector of ``config`` (a path or a loaded ``Config``) on ``source``; write
    pictures and box files to ``out_dir``.

    Returns the number of boxes kept.
    """
    from mmdet.apis import inference_detector, init_detector

    images = list_images(source)
    model = init_detector(config, checkpoint, device=device)
    check_checkpoint_fits(checkpoint, model)
    classes = model.dataset_meta['classes']
    os.makedirs(out_dir, exist_ok=True)
    rows, records = [], []
    for path, img in read_images(images, out_dir, on_bad):
        pred = inference_detector(model, img).pred_instances
        keep = pred.scores >= score_thr
        boxes = pred.bboxes[keep].cpu().double().numpy().round(1).tolist()
        labels = pred.labels[keep].cpu().tolist()
        scores = pred.scores[keep].cpu().double().numpy().round(4).tolist()
        name = osp.basename(path)
        height, width = img.shape[:2]
        mmcv.imwrite(draw_boxes(img, boxes, labels, scores, classes), osp.join(out_dir, name))
        rows += [[name, width, height, classes[lab], *box, score]
                 for box, lab, score in zip(boxes, labels, scores)]
        records.append(
            dict(
                filename=name,
                width=width,
                height=height,
                count=len(boxes),
                boxes=[
                    dict(bbox=b, label=classes[lab], score=s)
                    for b, lab, s in zip(boxes, labels, scores)
                ]))
    with open(osp.join(out_dir, 'detections.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow([*COLUMNS, 'score'])
        writer.writerows(rows)
    with open(osp.join(out_dir, 'detections.json'), 'w') as f:
        json.dump(dict(score_thr=score_thr, images=records), f, indent=1)
    return len(rows)
