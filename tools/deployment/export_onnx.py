"""Export a zoo model to ONNX, then check it against PyTorch (always).

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out DIR
        [--verify IMAGES] [--max-images 200] [--opset 17] [--cfg-options k=v ...]

Writes DIR/model.onnx and DIR/model.json (task, classes, palette, input size,
normalisation, colour order, thresholds), then predicts the config's test split (or the
images of --verify) with the training stack and with ONNX Runtime and compares them:
classification top-1 equal and probabilities within 1e-4, detection boxes matched with
IoU >= 0.99 and scores within 1e-3, segmentation >= 99.9 % of pixels equal, embeddings
cosine >= 0.9999. A failed check exits 2 naming the worst image. Run the exported model
without PyTorch: python -m custom_modules.deploy predict DIR IMAGES.
"""
import argparse
import os.path as osp
import time

from mmengine.config import DictAction

from custom_modules.cli import clean_errors, load_config, require_checkpoint
from custom_modules.export.onnx_export import export_onnx
from custom_modules.export.parity import check_parity, config_images


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='folder for model.onnx and model.json')
    parser.add_argument(
        '--verify',
        help='check parity on this image or folder instead of '
        "the config's test split")
    parser.add_argument('--max-images', type=int, default=200)
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    return parser.parse_args()


@clean_errors
def main():
    args = parse_args()
    checkpoint = require_checkpoint(args.checkpoint)
    cfg = load_config(args)
    start = time.perf_counter()
    spec, module = export_onnx(cfg, checkpoint, args.out, args.opset)
    print(f'exported a {spec["task"]} model ({spec["model_type"]}) to '
          f'{osp.join(args.out, "model.onnx")} in {time.perf_counter() - start:.1f} s')
    if args.verify:
        from custom_modules.images import list_images
        paths = list_images(args.verify)[:args.max_images]
    else:
        paths = config_images(cfg, args.max_images)
    print(check_parity(cfg, module, args.out, paths))


if __name__ == '__main__':
    main()
