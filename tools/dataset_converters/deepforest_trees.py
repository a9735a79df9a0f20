"""Real aerial imagery for object recognition: the tree crowns DeepForest ships.

    python tools/dataset_converters/deepforest_trees.py [--out data/deepforest-trees]
        [--wheel deepforest-2.1.0-py3-none-any.whl] [--tile 400]

The deepforest package (MIT licence, https://github.com/weecology/DeepForest) carries
NEON airborne RGB orthophotos (10 cm) with hand-drawn tree-crown boxes in Pascal VOC XML.
This script fetches its wheel from PyPI with pip (no install, no dependencies: only the
data files are read), cuts the orthophotos into tiles and writes the course's CSV layout
that ``CourseCSVDataset`` reads:

- ``train``: ``2019_YELL_2_528000_4978000_image_crop2`` (2472 x 2299 px, 574 crowns),
  tiles whose index is not a multiple of 5;
- ``val``: the other tiles of that image (for choosing a recipe);
- ``test``: ``2019_YELL_2_541000_4977000_image_crop`` (1249 x 1035 px, 279 crowns), another
  place of the same NEON site, never looked at while tuning: the zoo's figures are on it.

A crown cut by a tile border is kept (clipped) when at least half of it is in the tile.
"""
import csv
import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
from pypi_wheel import converter_main, read_member

VERSION = '2.1.0'
TRAIN = '2019_YELL_2_528000_4978000_image_crop2'
TEST = '2019_YELL_2_541000_4977000_image_crop'
CLASS = 'tree'
MIN_KEPT = 0.5


def read_scene(wheel, name):
    """The image (BGR) and its boxes ``N x 4`` (x1, y1, x2, y2) of one annotated scene."""
    data = np.frombuffer(read_member(wheel, f'deepforest/data/{name}.png'), np.uint8)
    xml = read_member(wheel, f'deepforest/data/{name}.xml')
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    boxes = [[float(obj.find(f'bndbox/{k}').text) for k in ('xmin', 'ymin', 'xmax', 'ymax')]
             for obj in ET.fromstring(xml).iter('object')]
    return image, np.array(boxes, dtype=np.float32).reshape(-1, 4)


def starts(length, tile):
    """Tile origins covering ``length``; the last tile ends at the border."""
    if length <= tile:
        return [0]
    last = length - tile
    return sorted(set(list(range(0, last, tile)) + [last]))


def tiles(image, boxes, tile):
    """``(tile image, its boxes)`` over the image, row by row."""
    h, w = image.shape[:2]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for y in starts(h, tile):
        for x in starts(w, tile):
            clipped = boxes - [x, y, x, y]
            clipped = np.clip(clipped, 0, [min(tile, w - x), min(tile, h - y)] * 2)
            kept_area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
            keep = kept_area >= MIN_KEPT * areas
            yield image[y:y + tile, x:x + tile], clipped[keep]


def write_split(out, split, items):
    os.makedirs(osp.join(out, 'images'), exist_ok=True)
    count = 0
    with open(osp.join(out, f'{split}.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax'])
        for name, image, boxes in items:
            cv2.imwrite(osp.join(out, 'images', name), image)
            h, w = image.shape[:2]
            for box in boxes:
                writer.writerow([name, w, h, CLASS, *(int(round(v)) for v in box)])
            if not len(boxes):
                writer.writerow([name, w, h, '', '', '', '', ''])
            count += len(boxes)
    return count


def convert(wheel, out, tile):
    image, boxes = read_scene(wheel, TRAIN)
    parts = {'train': [], 'val': []}
    for i, (piece, kept) in enumerate(tiles(image, boxes, tile)):
        parts['val' if i % 5 == 0 else 'train'].append((f'{TRAIN}_{i:02d}.png', piece, kept))
    image, boxes = read_scene(wheel, TEST)
    parts['test'] = [(f'{TEST}_{i:02d}.png', piece, kept)
                     for i, (piece, kept) in enumerate(tiles(image, boxes, tile))]
    for split, items in parts.items():
        n = write_split(out, split, items)
        print(f'{split}: {len(items)} tiles, {n} tree crowns -> {osp.join(out, split)}.csv')


def main():
    converter_main(__doc__, 'deepforest', VERSION, convert, out='data/deepforest-trees', tile=400)


if __name__ == '__main__':
    main()
