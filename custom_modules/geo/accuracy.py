"""How right a class map is at reference labels, as a GIS accuracy assessment gives it: the
confusion matrix, overall accuracy, each class's producer's accuracy (recall), user's
accuracy (precision), F1 and IoU, and Cohen's kappa. The map is any class GeoTIFF (the
zoo's ``<name>_classes.tif``, or another method's) whose band carries its class names
(``classes`` tag) or is given them; the reference a vector file of points (the pixel
holding each) or polygons (every pixel inside), in any CRS.
"""
import numpy as np

from ..errors import ZooError
from .outputs import NODATA_CLASS
from .raster import import_rasterio
from .samples import open_grid
from .vectors import read_labels, to_pixels


def map_classes(path):
    """The class names a class GeoTIFF carries (its first band's ``classes`` tag)."""
    rasterio = import_rasterio()
    with rasterio.open(path) as ds:
        names = ds.tags(1).get('classes')
    if not names:
        raise ZooError(f'{path} carries no class names (a "classes" tag on band 1): give them '
                       'with --classes')
    return names.split(',')


def reference_pairs(class_tif, reference, classes, class_field):
    """``(truth, predicted)`` class indices at the labels of the vector file ``reference``
    (``class_field`` names their classes); labels on nodata or off the map are left out."""
    from rasterio.features import geometry_mask
    from rasterio.windows import Window
    rasterio = import_rasterio()
    grid = open_grid(class_tif)
    frame = read_labels(reference, grid, classes, class_field)
    truth, predicted = [], []
    with rasterio.open(class_tif) as ds:
        for geometry, label in zip(frame.geometry, frame.label):
            shape = to_pixels(geometry, grid.transform)
            if shape.geom_type in ('Point', 'MultiPoint'):
                for point in getattr(shape, 'geoms', [shape]):
                    col, row = int(np.floor(point.x)), int(np.floor(point.y))
                    if 0 <= col < grid.width and 0 <= row < grid.height:
                        value = ds.read(1, window=Window(col, row, 1, 1))[0, 0]
                        truth.append(label)
                        predicted.append(value)
                continue
            x0, y0, x1, y1 = shape.bounds
            c0, r0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
            c1, r1 = min(grid.width, int(np.ceil(x1))), min(grid.height, int(np.ceil(y1)))
            if c1 <= c0 or r1 <= r0:
                continue
            window = Window(c0, r0, c1 - c0, r1 - r0)
            inside = ~geometry_mask([geometry], (r1 - r0, c1 - c0), ds.window_transform(window))
            values = ds.read(1, window=window)[inside]
            truth += [label] * len(values)
            predicted += values.tolist()
    truth, predicted = np.int64(truth), np.int64(predicted)
    on_map = predicted != NODATA_CLASS
    return truth[on_map], predicted[on_map]


def accuracy_report(truth, predicted, classes):
    """The assessment of ``predicted`` against ``truth`` (class indices into ``classes``):
    ``confusion`` (rows: reference, columns: map), ``overall``, ``kappa``, ``mIoU`` (over
    the classes the reference holds) and per class ``producers``, ``users``, ``f1``,
    ``iou`` and ``support`` (reference labels); accuracies in %."""
    n = len(classes)
    if not len(truth):
        raise ZooError('no reference label lies on the map\'s data: check the files pair up')
    if predicted.max(initial=0) >= n:
        raise ZooError(f'the map holds class {predicted.max()} but {n} classes were given')
    confusion = np.bincount(truth * n + predicted, minlength=n * n).reshape(n, n)
    hits = np.diag(confusion).astype(np.float64)
    support, mapped = confusion.sum(axis=1), confusion.sum(axis=0)
    total = confusion.sum()
    overall = hits.sum() / total
    chance = (support * mapped).sum() / total**2
    with np.errstate(invalid='ignore', divide='ignore'):
        producers, users = hits / support, hits / mapped
        f1 = 2 * hits / (support + mapped)
        iou = hits / (support + mapped - hits)
    present = support > 0

    def percent(values):
        return [None if np.isnan(v) else round(100 * float(v), 2) for v in values]

    return dict(
        classes=list(classes),
        confusion=confusion.tolist(),
        overall=round(100 * overall, 2),
        kappa=round(float((overall - chance) / (1 - chance)), 4) if chance < 1 else None,
        mIoU=round(100 * float(np.nan_to_num(iou[present]).mean()), 2),
        producers=percent(producers),
        users=percent(users),
        f1=percent(f1),
        iou=percent(iou),
        support=support.tolist())


def report_markdown(report, title):
    """The assessment as a Markdown table, a row a class."""
    lines = [
        f'### {title}', '', f'overall accuracy {report["overall"]} %, kappa '
        f'{report["kappa"]}, mIoU {report["mIoU"]} % ({sum(report["support"])} reference '
        'labels)', '', '| class | reference | producer\'s % | user\'s % | F1 % | IoU % |',
        '|---|---|---|---|---|---|'
    ]
    for i, name in enumerate(report['classes']):
        cells = [report[k][i] for k in ('producers', 'users', 'f1', 'iou')]
        lines.append(f'| {name} | {report["support"][i]} | ' +
                     ' | '.join('–' if v is None else f'{v:g}' for v in cells) + ' |')
    return '\n'.join(lines)
