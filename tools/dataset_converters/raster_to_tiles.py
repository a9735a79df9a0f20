"""Cut rasters and their vector labels into the zoo's picture layouts, for users who want files.

    python tools/dataset_converters/raster_to_tiles.py RASTER LABELS --task detection
        --out DIR [--size 400] [--sampler grid|random|labels] [--overlap PX] [--count N]
        [--seed S] [--region X0 Y0 X1 Y1] [--classes A B ..] [--class-field FIELD]
        [--bands 1 2 3] [--scale RULE] [--format csv|coco]

RASTER is a raster or a folder of them, LABELS one vector file (GeoPackage, GeoJSON,
shapefile) in any CRS. Windows are sampled and labelled exactly as the raster datasets
(RasterBoxDataset, RasterMaskDataset, RasterPointDataset) sample them for training, values
scaled by the stated rule (``--scale``, as tools/infer.py), and written as 8-bit PNG tiles:

- ``detection``: ``images/*.png`` and ``annotations.csv`` (the course's CSV, a row a box;
  a tile without boxes keeps one empty row) or ``annotations.json`` (COCO);
- ``segmentation``: ``images/*.png`` and ``masks/*.png`` (class indices; nodata 255);
- ``classification``: ``<class>/*.png``, one folder a class.

Tiles are named ``<raster>_<x0>_<y0>.png`` (their pixel origin in the raster), and
``tiles.csv`` gives each tile's raster, window and map bounds, so results on the tiles can
be put back on the map.
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from custom_modules.errors import ZooError  # noqa: E402
from custom_modules.geo.raster import RasterReading, parse_scaling, pipeline_order  # noqa: E402
from custom_modules.geo.samples import IGNORE_INDEX, burn, raster_samples  # noqa: E402

COURSE_COLUMNS = ('filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('raster', help='a raster or a folder of rasters')
    parser.add_argument('labels', help='a vector file of labels (any CRS)')
    parser.add_argument(
        '--task', required=True, choices=['detection', 'segmentation', 'classification'])
    parser.add_argument('--out', required=True)
    parser.add_argument('--size', type=int, default=400, help='tile side in pixels')
    parser.add_argument('--sampler', default='grid', choices=['grid', 'random', 'labels'])
    parser.add_argument('--overlap', type=int, default=0)
    parser.add_argument('--count', type=int, help='random/labels: how many windows')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--region',
        type=float,
        nargs=4,
        metavar=('X0', 'Y0', 'X1', 'Y1'),
        help='the part of each raster to cut, as fractions (0-1)')
    parser.add_argument(
        '--classes',
        nargs='+',
        help='class names in order (segmentation: class 0 first, '
        'where no label lies, unless --unlabelled ignore); default: the values of '
        '--class-field, sorted')
    parser.add_argument(
        '--unlabelled',
        help='segmentation: what pixels outside every label are: ignore (255 in the masks, '
        'left out of the loss and the metric) or a class name (default: the first class, '
        '"background" unless --classes says)')
    parser.add_argument('--class-field', help='the attribute holding class names')
    parser.add_argument('--bands', type=int, nargs=3, help='the three bands to write (1-based)')
    parser.add_argument('--scale', help='how values become 8-bit (see tools/infer.py --scale)')
    parser.add_argument('--format', default='csv', choices=['csv', 'coco'], help='detection')
    return parser.parse_args(argv)


def default_classes(args):
    """``--classes``, else the sorted values of ``--class-field`` (after a ``background``
    where the task's unlabelled pixels are a class), else one class named after the labels
    file."""
    if args.classes:
        return args.classes
    if args.class_field:
        import geopandas
        frame = geopandas.read_file(args.labels, columns=[args.class_field])
        if args.class_field not in frame.columns:
            raise ZooError(f'{args.labels} has no field {args.class_field!r}')
        names = sorted(frame[args.class_field].astype(str).unique())
    else:
        names = [osp.splitext(osp.basename(args.labels))[0]]
    return ['background', *names] if TILES[args.task].background(args) else names


class ClassTiles:
    """Classification: each tile in the folder of its class."""

    @staticmethod
    def background(args):
        """Whether the classes start with a ``background`` class where no label lies."""
        return False

    @staticmethod
    def unlabelled(args, classes):
        """``raster_samples``'s ``unlabelled`` option."""
        return None

    def folder(self, sample, classes):
        return classes[sample['gt_label']]

    def add(self, out, name, sample, valid):
        pass

    def finish(self, out, classes, layout):
        return ''


class MaskTiles(ClassTiles):
    """Segmentation: ``images/`` and ``masks/`` (class indices; nodata, and with
    ``--unlabelled ignore`` the pixels outside every label, as the ignore index 255)."""

    @staticmethod
    def background(args):
        return args.unlabelled is None

    @staticmethod
    def unlabelled(args, classes):
        return args.unlabelled or classes[0]

    def folder(self, sample, classes):
        return 'images'

    def add(self, out, name, sample, valid):
        mask = burn(sample['shapes'], *valid.shape, fill=sample['unlabelled'])
        mask[~valid] = IGNORE_INDEX
        os.makedirs(osp.join(out, 'masks'), exist_ok=True)
        cv2.imwrite(osp.join(out, 'masks', name), mask)


class BoxTiles(ClassTiles):
    """Detection: ``images/`` and the boxes in the chosen layout (``write_boxes``)."""

    def __init__(self):
        self.records, self.boxes = [], 0

    def folder(self, sample, classes):
        return 'images'

    def add(self, out, name, sample, valid):
        self.records.append((name, valid.shape[1], valid.shape[0], sample['instances']))
        self.boxes += len(sample['instances'])

    def finish(self, out, classes, layout):
        write_boxes(out, self.records, classes, layout)
        return f', {self.boxes} boxes'


TILES = dict(classification=ClassTiles, segmentation=MaskTiles, detection=BoxTiles)  # by task


def convert(args):
    classes = default_classes(args)
    windows = dict(
        size=args.size,
        sampler=args.sampler,
        overlap=args.overlap,
        count=args.count,
        seed=args.seed,
        region=args.region)
    samples = raster_samples(
        args.raster,
        args.labels,
        classes,
        args.task,
        windows,
        class_field=args.class_field,
        unlabelled=TILES[args.task].unlabelled(args, classes))
    reading = RasterReading(args.bands, parse_scaling(args.scale))
    tiles = TILES[args.task]()
    sources, placed = {}, []
    for sample in samples:
        path, (x0, y0, x1, y1) = sample['img_path'], sample['window']
        if path not in sources:
            sources[path] = reading.open(path)
        source = sources[path]
        image, valid = source.read(x0, y0, x1, y1)
        name = f'{osp.splitext(osp.basename(path))[0]}_{x0}_{y0}.png'
        folder = tiles.folder(sample, classes)
        os.makedirs(osp.join(args.out, folder), exist_ok=True)
        cv2.imwrite(
            osp.join(args.out, folder, name), pipeline_order(image.round().astype(np.uint8)))
        left, top = source.transform @ (x0, y0)
        right, bottom = source.transform @ (x1, y1)
        placed.append([osp.join(folder, name), path, x0, y0, x1, y1, left, bottom, right, top])
        tiles.add(args.out, name, sample, valid)
    for source in sources.values():
        source.close()
    with open(osp.join(args.out, 'tiles.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(
            ['tile', 'raster', 'x0', 'y0', 'x1', 'y1', 'left', 'bottom', 'right', 'top'])
        writer.writerows(placed)
    extra = tiles.finish(args.out, classes, args.format)
    return (f'{len(placed)} tiles of {args.size} px{extra} ({args.task}, classes {classes}) '
            f'in {args.out}')


def write_boxes(out, records, classes, layout):
    if layout == 'csv':
        with open(osp.join(out, 'annotations.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(COURSE_COLUMNS)
            for name, width, height, instances in records:
                for i in instances:
                    writer.writerow([
                        name, width, height, classes[i['bbox_label']],
                        *(round(v, 1) for v in i['bbox'])
                    ])
                if not instances:
                    writer.writerow([name, width, height, '', '', '', '', ''])
        return
    images, annotations = [], []
    for image_id, (name, width, height, instances) in enumerate(records):
        images.append(dict(id=image_id, file_name=name, width=width, height=height))
        for i in instances:
            x0, y0, x1, y1 = i['bbox']
            annotations.append(
                dict(
                    id=len(annotations),
                    image_id=image_id,
                    category_id=i['bbox_label'] + 1,
                    bbox=[round(x0, 1),
                          round(y0, 1),
                          round(x1 - x0, 1),
                          round(y1 - y0, 1)],
                    area=round((x1 - x0) * (y1 - y0), 2),
                    iscrowd=0))
    categories = [dict(id=k + 1, name=c) for k, c in enumerate(classes)]
    with open(osp.join(out, 'annotations.json'), 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=categories), f)


def main(argv=None):
    args = parse_args(argv)
    try:
        print(convert(args))
    except ZooError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
