"""Predict on new images with a trained model, writing pictures and machine-readable results.

    python tools/infer.py CONFIG CHECKPOINT IMAGES [--out-dir DIR] [--score-thr 0.5]
        [--device cpu|cuda] [--on-bad skip|error] [--cfg-options k=v ...]

IMAGES is an image or a folder. Detection configs write each picture with its boxes, and
detections.csv (the course's CSV columns plus score) and detections.json with counts.
Segmentation configs write <name>_mask.png (class indices) and <name>_overlay.png, using the
config's test_cfg (whole image or sliding windows).
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from custom_modules.cli import clean_errors, load_config
from custom_modules.errors import ZooError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image or a folder of images')
    parser.add_argument('--out-dir', default='predictions')
    parser.add_argument(
        '--score-thr', type=float, default=0.5, help='detections: keep boxes scoring at least this')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--on-bad',
        choices=['skip', 'error'],
        default='skip',
        help='an unreadable image: pass over it and list it in skipped_images.txt (skip), '
        'or stop (error)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override config values, e.g. model.test_cfg.score_thr=0.3')
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise ZooError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_config(args)
    scope = cfg.get('default_scope')
    if scope == 'mmdet':
        from custom_modules.objrecog.inference import detect_folder
        count = detect_folder(cfg, args.checkpoint, args.images, args.out_dir, args.score_thr,
                              args.device, args.on_bad)
        print(f'{count} boxes (score >= {args.score_thr}); pictures, detections.csv and '
              f'detections.json in {args.out_dir}')
    elif scope == 'mmseg':
        from custom_modules.imseg.inference import segment_folder
        shares = segment_folder(cfg, args.checkpoint, args.images, args.out_dir, args.device,
                                args.on_bad)
        print(f'masks and overlays in {args.out_dir}; pixel shares: {shares}')
    else:
        raise ZooError(f'infer.py handles detection and segmentation configs; {args.config} '
                       f'is {scope!r}: use tools/test.py --show-dir')


if __name__ == '__main__':
    main()
