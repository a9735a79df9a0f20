"""The course's box CSV, read directly: ``filename,width,height,class,xmin,ymin,xmax,ymax``.

One box a row, absolute pixels; several rows for an image with several boxes. A row whose
class and box fields are empty lists an image without boxes (a negative), which is kept.
A header row is optional; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is skipped. Each
image's width and height are checked against the image file itself before training.
"""
import csv
import json
import logging
import os.path as osp
from collections import Counter, OrderedDict

from mmdet.datasets import BaseDetDataset, CocoDataset
from mmdet.registry import DATASETS
from mmengine.logging import print_log

from ..datasets import raster_transforms  # noqa: F401 (registers LoadRasterWindow)
from ..datasets.bad_samples import LoadErrorsMixin, check_on_bad, drop_bad_samples, image_headers
from ..datasets.rasters import RasterSamplesMixin
from ..errors import ZooError
from .metrics import prints_to_the_log

COLUMNS = ('filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax')


def first_non_utf8_line(path):
    """The number of the first line of ``path`` that is not UTF-8, and its bytes."""
    with open(path, 'rb') as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                raw.decode('utf-8')
            except UnicodeDecodeError:
                return line_no, raw.rstrip(b'\r\n')
    return None, b''


def read_course_csv(path, classes):
    """``[{filename, width, height, lines, boxes: [[x0, y0, x1, y1, class index], ...]},
    ...]`` (``lines``: the CSV line numbers of the image's rows).

    Raises :class:`ZooError` naming the line for an unknown class, a malformed row, a box
    outside its image, or text that is not UTF-8. Repeated rows are dropped with a warning
    (they would double a box, and the image's count).
    """
    if not osp.isfile(path):
        raise ZooError(f'annotation CSV not found: {path}')
    try:
        return _read_course_csv(path, classes)
    except UnicodeDecodeError:
        line_no, raw = first_non_utf8_line(path)
        raise ZooError(f'{path}, line {line_no}: not UTF-8 text ({raw[:60]!r}); save the CSV as '
                       'UTF-8 (e.g. "CSV UTF-8" in a spreadsheet program)') from None


def _read_course_csv(path, classes):
    images, seen, repeated = OrderedDict(), {}, []
    with open(path, newline='', encoding='utf-8-sig') as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row or (line_no == 1 and row[0].strip().lower() == 'filename'):
                continue
            where = f'{path}, line {line_no}'
            if len(row) != len(COLUMNS):
                raise ZooError(f'{where}: expected {len(COLUMNS)} fields '
                               f'({",".join(COLUMNS)}), got {len(row)}')
            name, width, height, cls, *box = (field.strip() for field in row)
            try:
                width, height = int(float(width)), int(float(height))
                box = [float(v) for v in box] if cls else []
            except ValueError as err:
                raise ZooError(f'{where}: {err}') from None
            image = images.setdefault(
                name, dict(filename=name, width=width, height=height, lines=[], boxes=[]))
            if (image['width'], image['height']) != (width, height):
                raise ZooError(f'{where}: {name} is {width}x{height} here but '
                               f'{image["width"]}x{image["height"]} on an earlier line')
            key = (name, cls, *box)
            if cls and key in seen:
                repeated.append(f'line {line_no} repeats line {seen[key]}')
                continue
            seen[key] = line_no
            image['lines'].append(line_no)
            if not cls:
                continue
            if cls not in classes:
                raise ZooError(f'{where}: class {cls!r} is not in the class list '
                               f'{list(classes)}; add it to metainfo.classes or fix the row')
            x0, y0, x1, y1 = box
            if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
                raise ZooError(f'{where}: box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) is empty or '
                               f'outside the {width}x{height} image {name}')
            image['boxes'].append([x0, y0, x1, y1, classes.index(cls)])
    if not images:
        raise ZooError(f'{path} lists no images')
    if repeated:
        print_log(
            f'{path}: {len(repeated)} repeated row(s) left out (a repeated box would be '
            f'counted twice): {"; ".join(repeated[:5])}{" ..." if len(repeated) > 5 else ""}',
            logger='current',
            level=logging.WARNING)
    return list(images.values())


@DATASETS.register_module()
class CourseCSVDataset(LoadErrorsMixin, BaseDetDataset):
    """Boxes from the course's CSV (``ann_file``), images from ``data_prefix['img']``.

    Images without boxes are kept (``filter_cfg`` is not applied by default). Images that
    are missing or unreadable stop the run, or are left out with ``on_bad='skip'``.
    """

    METAINFO = dict(classes=('person', ), palette=[(220, 20, 60)])

    def __init__(self, *args, on_bad='error', **kwargs):
        self.on_bad = check_on_bad(on_bad)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        classes = list(self.metainfo['classes'])
        img_dir = self.data_prefix.get('img', '')
        data_list, missing = [], {}
        for img_id, image in enumerate(read_course_csv(self.ann_file, classes)):
            img_path = osp.join(img_dir, image['filename'])
            if not osp.isfile(img_path):
                missing[img_path] = 'not found'
            instances = [
                dict(bbox=box[:4], bbox_label=box[4], ignore_flag=0) for box in image['boxes']
            ]
            data_list.append(
                dict(
                    img_path=img_path,
                    img_id=img_id,
                    width=image['width'],
                    height=image['height'],
                    csv_lines=image['lines'],
                    instances=instances))
        data_list = drop_bad_samples(data_list, missing,
                                     f'image(s) listed in {self.ann_file} not found', self.on_bad)
        return check_listed_images(data_list, self.ann_file, self.on_bad)


def check_listed_images(data_list, ann_file, on_bad):
    """The samples of an annotation file whose images can be read and are the size the
    file says (a wrong size misplaces every box, or ends in an infinite loss); the others
    are an error naming them, or left out with ``on_bad='skip'``."""
    sizes, unreadable = image_headers([d['img_path'] for d in data_list])
    data_list = drop_bad_samples(data_list, unreadable, 'unreadable image(s)', on_bad)
    wrong = {}
    for info in data_list:
        actual = sizes[info['img_path']]
        if (info['width'], info['height']) != actual:
            lines = info.get('csv_lines')
            where = (f' (line{"s" if len(lines) > 1 else ""} {", ".join(map(str, lines[:5]))}'
                     f'{" ..." if len(lines) > 5 else ""})') if lines else ''
            wrong[info['img_path']] = (f'{osp.basename(ann_file)} says {info["width"]}x'
                                       f'{info["height"]}{where} but the image is {actual[0]}x'
                                       f'{actual[1]}; fix its width and height')
    data_list = drop_bad_samples(data_list, wrong, f'image(s) whose size in {ann_file} is wrong',
                                 on_bad)
    if not data_list:
        raise ZooError(f'no usable images listed in {ann_file}')
    return data_list


def read_coco_json(path, classes):
    """The COCO file at ``path``, checked: a JSON object with ``images``, ``annotations``
    and ``categories``; every category that has boxes is a class, every class a category;
    every box inside its image. Raises :class:`ZooError` naming what is wrong."""
    if not osp.isfile(path):
        raise ZooError(f'annotation file not found: {path}')
    try:
        with open(path, encoding='utf-8-sig') as f:
            coco = json.load(f)
    except ValueError as err:
        raise ZooError(f'{path} is not valid JSON: {err}') from None
    missing = [
        k for k in ('images', 'annotations', 'categories')
        if not isinstance(coco, dict) or not isinstance(coco.get(k), list)
    ]
    if missing:
        raise ZooError(f'{path} is not a COCO detection file: no list {", ".join(missing)}; '
                       'for the course\'s CSV use CourseCSVDataset')
    names = {c['id']: c['name'] for c in coco['categories']}
    used = Counter(names.get(a['category_id'], a['category_id']) for a in coco['annotations'])
    unknown = {n: k for n, k in used.items() if n not in classes}
    if unknown:
        raise ZooError(f'{path}: categories {sorted(unknown, key=str)} ({sum(unknown.values())} '
                       f'boxes) are not in metainfo.classes {list(classes)}: their boxes would '
                       'be dropped silently; add them to the classes or remove their boxes')
    absent = [c for c in classes if c not in names.values()]
    if absent:
        raise ZooError(f'{path}: classes {absent} are not categories of the file (it has '
                       f'{sorted(names.values())}); fix metainfo.classes')
    images = {i['id']: i for i in coco['images']}
    outside = []
    for a in coco['annotations']:
        image = images.get(a['image_id'])
        if image is None:
            raise ZooError(f'{path}: annotation {a.get("id")} refers to image {a["image_id"]}, '
                           'which is not in images')
        x, y, w, h = a['bbox']
        if not (x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= image['width'] + 1
                and y + h <= image['height'] + 1):
            outside.append(f'annotation {a.get("id")}: box {a["bbox"]} in the '
                           f'{image["width"]}x{image["height"]} image {image["file_name"]}')
    if outside:
        raise ZooError(f'{path}: {len(outside)} box(es) empty or outside their image, e.g. '
                       f'{"; ".join(outside[:3])}; fix or remove them')
    return coco


@DATASETS.register_module()
class CheckedCocoDataset(LoadErrorsMixin, CocoDataset):
    """mmdet's ``CocoDataset`` with the checks and policy of :class:`CourseCSVDataset`:
    the file is checked up front (:func:`read_coco_json`); images that are missing,
    unreadable or of another size than the file says stop the run, or are left out with
    ``on_bad='skip'``; images without boxes are kept as negatives; labels follow the
    order of ``metainfo.classes`` whatever the order of the file's categories (mmdet
    numbers them in the file's order); pycocotools' prints go to the log file."""

    def __init__(self, *args, on_bad='error', **kwargs):
        self.on_bad = check_on_bad(on_bad)
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        classes = list(self.metainfo['classes'])
        names = {c['id']: c['name'] for c in read_coco_json(self.ann_file, classes)['categories']}
        with prints_to_the_log():  # pycocotools reads the file
            data_list = super().load_data_list()
        relabel = {label: classes.index(names[cat]) for cat, label in self.cat2label.items()}
        self.cat2label = {cat: relabel[label] for cat, label in self.cat2label.items()}
        self.cat_ids = sorted(self.cat2label, key=self.cat2label.get)
        missing = {}
        for info in data_list:
            for instance in info['instances']:
                instance['bbox_label'] = relabel[instance['bbox_label']]
            if not osp.isfile(info['img_path']):
                missing[info['img_path']] = 'not found'
        data_list = drop_bad_samples(data_list, missing,
                                     f'image(s) listed in {self.ann_file} not found', self.on_bad)
        return check_listed_images(data_list, self.ann_file, self.on_bad)


@DATASETS.register_module()
class RasterBoxDataset(RasterSamplesMixin, BaseDetDataset):
    """Windows of rasters with the boxes of a vector file's polygons (map coordinates,
    reprojected to each raster's CRS): see ``custom_modules.datasets.rasters``. Pipelines read
    the windows with ``LoadRasterWindow`` and the boxes with mmdet's ``LoadAnnotations``."""

    TASK = 'detection'
    METAINFO = dict(classes=('tree', ), palette=[(34, 139, 34)])

    def finish_sample(self, index, sample):
        return dict(sample, img_id=index)
