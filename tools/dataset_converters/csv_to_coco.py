"""Convert the course's box CSV (filename,width,height,class,xmin,ymin,xmax,ymax) to COCO JSON.

    python tools/dataset_converters/csv_to_coco.py train.csv train.json [--classes person]

Images without boxes (rows with empty class and box fields) stay in the JSON as negatives.
"""
import argparse
import json

from custom_modules.cli import clean_errors
from custom_modules.objrecog.datasets import read_course_csv


def csv_to_coco(csv_path, classes):
    """A COCO dict (images, annotations, categories) of the course CSV at ``csv_path``."""
    images, annotations = [], []
    for img_id, image in enumerate(read_course_csv(csv_path, classes)):
        images.append(
            dict(
                id=img_id,
                file_name=image['filename'],
                width=image['width'],
                height=image['height']))
        for x0, y0, x1, y1, label in image['boxes']:
            w, h = x1 - x0, y1 - y0
            annotations.append(
                dict(
                    id=len(annotations),
                    image_id=img_id,
                    category_id=label + 1,
                    bbox=[x0, y0, w, h],
                    area=w * h,
                    iscrowd=0))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    return dict(images=images, annotations=annotations, categories=categories)


@clean_errors
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('csv')
    parser.add_argument('out', help='COCO JSON file to write')
    parser.add_argument('--classes', nargs='+', default=['person'])
    args = parser.parse_args()
    coco = csv_to_coco(args.csv, args.classes)
    with open(args.out, 'w') as f:
        json.dump(coco, f)
    print(f'{len(coco["images"])} images, {len(coco["annotations"])} boxes -> {args.out}')


if __name__ == '__main__':
    main()
