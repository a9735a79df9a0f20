"""Look at your data before training: the images after the config's pipeline (augmentations
visible) with their labels drawn, as the model will see them.

    python tools/misc/browse_dataset.py CONFIG [--phase train|val] [--n 16]
        [--out DIR] [--cfg-options k=v ...]

Classification: the class name on each image; detection: the boxes; segmentation: the mask
painted with the palette; semi-supervised data: both views of each image side by side,
marked labelled (with its class) or unlabelled. Writes DIR/browse_<phase>.png (a grid)
and one picture a sample in DIR/<phase>/.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.config import DictAction

from custom_modules.cli import clean_errors, load_config, prepare_run
from custom_modules.deploy.drawing import draw_boxes, grid, label_image, overlay
from custom_modules.errors import ZooError

# a palette for datasets that name none (RGB)
DEFAULT_PALETTE = [(220, 20, 60), (0, 130, 200), (60, 180, 75), (255, 225, 25), (145, 30, 180),
                   (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128)]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--phase', choices=['train', 'val'], default='train')
    parser.add_argument('--n', type=int, default=16, help='samples to draw')
    parser.add_argument('--out', default='browse_dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args()


def to_bgr(tensor):
    """A packed image (C x H x W, the pipeline's channel order: BGR for three channels, the
    bands' order for more, as LoadRasterWindow gives them) as an HWC uint8 BGR array; of
    more bands the first three are shown as red, green and blue, one band as grey."""
    img = tensor.permute(1, 2, 0).cpu().numpy().clip(0, 255).astype(np.uint8)
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, axis=-1)
    elif img.shape[-1] > 3:
        img = img[..., 2::-1]
    return np.ascontiguousarray(img)


def draw(inputs, sample, classes, palette):
    """One sample after the pipeline, its labels drawn; a list of views side by side."""
    if isinstance(inputs, (list, tuple)):  # several views of one image (semi-supervised)
        return np.hstack([draw(view, sample, classes, palette) for view in inputs])
    img = to_bgr(inputs)
    if 'gt_instances' in sample:  # detection
        boxes = sample.gt_instances.bboxes
        boxes = getattr(boxes, 'tensor', boxes).cpu().numpy().tolist()
        labels = sample.gt_instances.labels.cpu().tolist()
        return draw_boxes(img, boxes, labels, None, classes)
    if 'gt_sem_seg' in sample:  # segmentation
        mask = sample.gt_sem_seg.data[0].cpu().numpy()
        shown = overlay(img, np.where(mask == 255, 0, mask), palette)
        shown[mask == 255] = img[mask == 255]  # ignored pixels unpainted
        return shown
    if 'gt_label' in sample:  # classification (and the labelled part of semi-supervised)
        return label_image(img, classes[int(sample.gt_label[0])])
    return label_image(img, 'unlabelled')


@clean_errors
def main():
    args = parse_args()
    cfg = load_config(args)
    loader = f'{args.phase}_dataloader'
    prepare_run(cfg, args, [loader])
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope(cfg.default_scope)
    dataset = DATASETS.build(cfg[loader].dataset)
    if not len(dataset):
        raise ZooError(f'{loader}.dataset has no samples')
    classes = list(dataset.metainfo.get('classes') or [])
    palette = dataset.metainfo.get('palette') or DEFAULT_PALETTE[:max(len(classes), 1)]
    picks = np.linspace(0, len(dataset) - 1, min(args.n, len(dataset))).astype(int)
    os.makedirs(osp.join(args.out, args.phase), exist_ok=True)
    pictures = []
    for index in picks:
        data = dataset[int(index)]
        picture = draw(data['inputs'], data['data_samples'], classes, palette)
        cv2.imwrite(osp.join(args.out, args.phase, f'{index:06d}.png'), picture)
        pictures.append(picture)
    size = max(96, min(256, max(p.shape[0] for p in pictures)))
    columns = 4 if pictures[0].shape[1] > pictures[0].shape[0] else 8
    cells = [cv2.resize(p, (size * p.shape[1] // p.shape[0], size)) for p in pictures]
    out = osp.join(args.out, f'browse_{args.phase}.png')
    cv2.imwrite(out, grid(cells, columns))
    print(f'{len(pictures)} of {len(dataset)} {args.phase} samples drawn after the pipeline: '
          f'{out} and {osp.join(args.out, args.phase)}/')


if __name__ == '__main__':
    main()
