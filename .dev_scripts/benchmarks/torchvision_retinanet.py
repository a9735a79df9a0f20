"""torchvision's RetinaNet trained on the same course-CSV data for the same wall-clock budget
as a zoo config: the peer the zoo's detection figures are put beside. A plain loop in the
style of torchvision's references/detection; no OpenMMLab.

    python .dev_scripts/benchmarks/torchvision_retinanet.py --data data/deepforest-trees \\
        --minutes 30 [--backbone resnet18] [--size 400] [--batch 4] [--lr 0.01]
        [--smallest-anchor 32] [--flips horizontal|all] [--out result.json]

Trains on ``train.csv`` from scratch (no pretrained weights, as the zoo config), SGD with
momentum, a linear warm-up and a x0.1 drop at 80 % of the budget; then reports COCO mAP,
mAP50 (pycocotools, as mmdet's CocoMetric) and the count MAE at score >= 0.5 on
``val.csv`` and ``test.csv``. ``--smallest-anchor 32`` is torchvision's default (32 px at
P3); 16 gives it the zoo recipe's anchors.
"""
import argparse
import contextlib
import csv
import io
import json
import os.path as osp
import random
import time
from collections import OrderedDict

import cv2
import numpy as np
import torch


def read_split(root, split):
    """``[(image path, boxes N x 4 float32)]`` of a course CSV (empty rows: no boxes)."""
    images = OrderedDict()
    with open(osp.join(root, f'{split}.csv'), newline='') as f:
        for row in csv.DictReader(f):
            boxes = images.setdefault(osp.join(root, 'images', row['filename']), [])
            if row['class']:
                boxes.append([float(row[k]) for k in ('xmin', 'ymin', 'xmax', 'ymax')])
    return [(path, np.array(b, np.float32).reshape(-1, 4)) for path, b in images.items()]


def load(path):
    image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    return torch.from_numpy(image).permute(2, 0, 1).float() / 255


def flip(image, boxes, how):
    """``image`` (C x H x W) and its boxes flipped: 'h', 'v' or 'd' (both)."""
    h, w = image.shape[1:]
    boxes = boxes.clone()
    if how in ('h', 'd'):
        image = image.flip(2)
        boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
    if how in ('v', 'd'):
        image = image.flip(1)
        boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
    return image, boxes


def build_model(args):
    from torchvision.models.detection import RetinaNet
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    backbone = resnet_fpn_backbone(
        backbone_name=args.backbone,
        weights=None,
        trainable_layers=5,
        returned_layers=[2, 3, 4],
        extra_blocks=LastLevelP6P7(256, 256))
    sizes = tuple((s, int(s * 2**(1 / 3)), int(s * 2**(2 / 3)))
                  for s in (args.smallest_anchor * 2**i for i in range(5)))
    anchors = AnchorGenerator(sizes, ((0.5, 1.0, 2.0), ) * 5)
    return RetinaNet(
        backbone,
        num_classes=2,  # background and the one class, as torchvision counts them
        anchor_generator=anchors,
        min_size=args.size,
        max_size=args.size)


def train(model, data, args):
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=1e-4)
    budget, start, step, epoch = args.minutes * 60, time.time(), 0, 0
    flips = ['', 'h'] if args.flips == 'horizontal' else ['', 'h', 'v', 'd']
    model.train()
    while time.time() - start < budget:
        order = random.sample(range(len(data)), len(data))
        for i in range(0, len(order), args.batch):
            elapsed = time.time() - start
            if elapsed >= budget:
                break
            scale = min(1.0, (step + 1) / args.warmup) * (0.1 if elapsed > 0.8 * budget else 1)
            for group in optimizer.param_groups:
                group['lr'] = args.lr * scale
            images, targets = [], []
            for j in order[i:i + args.batch]:
                image, boxes = flip(
                    load(data[j][0]), torch.from_numpy(data[j][1]), random.choice(flips))
                images.append(image)
                targets.append(dict(boxes=boxes, labels=torch.ones(len(boxes), dtype=torch.int64)))
            losses = model(images, targets)
            loss = sum(losses.values())
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 35)
            optimizer.step()
            step += 1
        epoch += 1
        print(f'epoch {epoch}: loss {loss.item():.3f}, {time.time() - start:.0f} s', flush=True)
    return dict(epochs=epoch, iterations=step, seconds=round(time.time() - start))


@torch.no_grad()
def evaluate(model, data):
    """COCO mAP and mAP50 (pycocotools) and the count MAE at score >= 0.5."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    model.eval()
    gt = dict(images=[], annotations=[], categories=[dict(id=1, name='object')])
    found, errors = [], []
    for i, (path, boxes) in enumerate(data):
        image = load(path)
        gt['images'].append(dict(id=i, width=image.shape[2], height=image.shape[1]))
        for box in boxes:
            x1, y1, x2, y2 = map(float, box)
            gt['annotations'].append(
                dict(
                    id=len(gt['annotations']) + 1,
                    image_id=i,
                    category_id=1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=0))
        out = model([image])[0]
        for box, score in zip(out['boxes'].tolist(), out['scores'].tolist()):
            x1, y1, x2, y2 = box
            found.append(
                dict(image_id=i, category_id=1, bbox=[x1, y1, x2 - x1, y2 - y1], score=score))
        errors.append(abs(int((out['scores'] >= 0.5).sum()) - len(boxes)))
    stats = [0.0, 0.0]
    if found:
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its tables
            coco = COCO()
            coco.dataset = gt
            coco.createIndex()
            evaluation = COCOeval(coco, coco.loadRes(found), 'bbox')
            evaluation.evaluate()
            evaluation.accumulate()
            evaluation.summarize()
        stats = evaluation.stats
    return dict(
        bbox_mAP=round(float(stats[0]), 3),
        bbox_mAP_50=round(float(stats[1]), 3),
        count_mae=round(float(np.mean(errors)), 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='data/deepforest-trees')
    parser.add_argument('--minutes', type=float, default=30)
    parser.add_argument('--backbone', default='resnet18')
    parser.add_argument('--size', type=int, default=400)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--warmup', type=int, default=100, help='warm-up iterations')
    parser.add_argument('--smallest-anchor', type=int, default=32)
    parser.add_argument('--flips', choices=['horizontal', 'all'], default='horizontal')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the result here as JSON')
    args = parser.parse_args()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    model = build_model(args)
    trained = train(model, read_split(args.data, 'train'), args)
    result = dict(
        model=f'torchvision RetinaNet {args.backbone} FPN, from scratch',
        settings=vars(args),
        trained=trained,
        **{split: evaluate(model, read_split(args.data, split))
           for split in ('val', 'test')})
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
