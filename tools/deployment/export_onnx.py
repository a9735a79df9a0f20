"""Export a zoo model to ONNX, then check it against PyTorch (always).

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out DIR
        [--verify IMAGES] [--max-images 200] [--opset 17] [--cfg-options k=v ...]
        [--int8 [--calib 100] [--max-loss 1.0]]

Writes DIR/model.onnx and DIR/model.json (task, classes, palette, input size,
normalisation, colour order, thresholds), then predicts the config's test split (or the
images of --verify) with the training stack and with ONNX Runtime and compares them:
classification top-1 equal and probabilities within 1e-4, detection boxes matched with
IoU >= 0.99 and scores within 1e-3, segmentation >= 99.9 % of pixels equal, embeddings
cosine >= 0.9999. A failed check exits 2 naming the worst image. Run the exported model
without PyTorch: python -m custom_modules.deploy predict DIR IMAGES.

--int8 also writes DIR/model.int8.onnx, ONNX Runtime's static int8 quantisation calibrated
on --calib training images (or raster windows) through the model's pre-processing
(custom_modules/export/quantize.py), when it loses at most --max-loss points of the test
split's metric against fp32 (top-1, mAP and mAP50, mIoU or kNN top-1, scored by the
config's test_evaluator); else it exits 2 and writes no int8 model. Predict with it:
--precision int8.
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
    parser.add_argument(
        '--int8',
        action='store_true',
        help='also write model.int8.onnx (static quantisation) when it passes --max-loss')
    parser.add_argument(
        '--calib',
        type=int,
        default=100,
        help='--int8: training images or raster windows to calibrate on (default 100)')
    parser.add_argument(
        '--max-loss',
        type=float,
        default=1.0,
        help='--int8: most points of the test metric int8 may lose against fp32 (default 1)')
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
    if args.int8:
        from custom_modules.export.quantize import export_int8
        start = time.perf_counter()
        print(export_int8(cfg, args.out, args.calib, args.max_loss))
        print(f'wrote {osp.join(args.out, "model.int8.onnx")} in '
              f'{time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
