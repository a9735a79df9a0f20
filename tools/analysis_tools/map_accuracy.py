"""How right class maps are at reference labels: a GIS accuracy assessment, side by side.

    python tools/analysis_tools/map_accuracy.py MAP.tif [MAP.tif ...] --reference REF.gpkg
        [--class-field class] [--classes A B ...] [--out accuracy.json]

MAP: class GeoTIFFs (``tools/infer.py``'s ``<name>_classes.tif``, or another method's map
with the same class indices); REF: points (the pixel holding each is read) or polygons
(every pixel inside), in any CRS, with their class in ``--class-field``. Prints, a map at a
time, overall accuracy, Cohen's kappa, mIoU and each class's producer's and user's
accuracy, F1 and IoU (``custom_modules.geo.accuracy``); ``--out`` writes them with the
confusion matrices as JSON. Labels on nodata or off the map are left out.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from custom_modules.cli import clean_errors  # noqa: E402
from custom_modules.geo import accuracy  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('maps', nargs='+', help='class GeoTIFFs')
    parser.add_argument('--reference', required=True, help='points or polygons with classes')
    parser.add_argument('--class-field', default='class', help='the reference\'s class field')
    parser.add_argument(
        '--classes', nargs='+', help='class names in index order (default: the map\'s tag)')
    parser.add_argument('--out', help='write the assessments (and confusion matrices) here')
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    reports = {}
    for path in args.maps:
        classes = args.classes or accuracy.map_classes(path)
        truth, predicted = accuracy.reference_pairs(path, args.reference, classes, args.class_field)
        reports[path] = accuracy.accuracy_report(truth, predicted, classes)
        print(accuracy.report_markdown(reports[path], path), end='\n\n')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(reports, f, indent=1)
        print(f'assessments written to {args.out}')


if __name__ == '__main__':
    main()
