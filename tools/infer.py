"""Predict on new images with a trained model, writing pictures and machine-readable results.

    python tools/infer.py CONFIG CHECKPOINT IMAGES [--out-dir DIR] [--score-thr S]
        [--tile SIZE [--overlap PX]] [--batch N] [--device cpu|cuda] [--on-bad skip|error]
        [--bands B ...] [--scale RULE] [--probabilities] [--tta none|flip|d4]
        [--ensemble CHECKPOINT ...] [--score-thr S [CLASS=S ...]] [--cfg-options k=v ...]
    python tools/infer.py --backend onnxruntime --model DIR IMAGES [same options]
        [--precision fp32|int8]

IMAGES is an image or a folder. Every family: classification (the FixMatch model predicts
with its teacher) writes predictions.csv (file, class, score, top-5) and each image with
its class; embeddings write embeddings.csv; detection writes each picture with its boxes,
detections.csv (the course's columns plus score) and detections.json with counts;
segmentation writes <name>_mask.png (class indices) and <name>_overlay.png. --tile SIZE
predicts large images (orthomosaics, 4K frames) in overlapping windows: detections are
merged so that an object on a window border, or larger than the overlap, is reported
once, segmentation logits are averaged. Rasters (GeoTIFFs with a CRS, 16-bit or 4-band
files) are predicted window by window with results in map coordinates: segmentation a
class GeoTIFF with the source's CRS, transform and nodata, detection a GeoPackage and
GeoJSON of boxes, classification a GeoPackage and CSV of windows (--bands, --scale: see
custom_modules/geo/raster.py). Both backends run the same pre- and
post-processing (custom_modules.deploy); the PyTorch one runs the network of the config
and checkpoint, ONNX Runtime the exported model.onnx.
"""
import argparse

from mmengine.config import DictAction

from custom_modules.cli import clean_errors, load_config, require_checkpoint
from custom_modules.deploy import onnx_predictor, predict_folder
from custom_modules.deploy.options import add_predict_args, folder_options, predictor_options
from custom_modules.errors import ZooError


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'inputs',
        nargs='+',
        metavar='CONFIG CHECKPOINT IMAGES',
        help='CONFIG CHECKPOINT IMAGES (pytorch), or IMAGES (onnxruntime)')
    parser.add_argument('--backend', choices=['pytorch', 'onnxruntime'], default='pytorch')
    parser.add_argument(
        '--model', help='onnxruntime: the folder tools/deployment/'
        'export_onnx.py wrote')
    parser.add_argument('--device', default='cpu', help='pytorch: cpu or cuda')
    parser.add_argument(
        '--ensemble',
        nargs='+',
        default=[],
        help='pytorch: more checkpoints of the config; onnxruntime: more model folders; '
        'their predictions are averaged with the first\'s')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='pytorch: override config values, e.g. model.test_cfg.score_thr=0.3')
    add_predict_args(parser)
    return parser.parse_args()


def pytorch_predictor(args):
    from custom_modules.export.onnx_export import torch_predictor
    if len(args.inputs) != 3:
        raise ZooError('pytorch backend: give CONFIG CHECKPOINT IMAGES')
    if args.precision != 'fp32':
        raise ZooError(f'--precision {args.precision} is for an exported model: '
                       '--backend onnxruntime --model DIR')
    args.config, checkpoint, images = args.inputs
    checkpoint = require_checkpoint(checkpoint)
    cfg = load_config(args)
    predictor = torch_predictor(cfg, checkpoint, args.device,
                                [require_checkpoint(c) for c in args.ensemble],
                                **predictor_options(args))
    return predictor, images


def exported_predictor(args):
    if not args.model or len(args.inputs) != 1:
        raise ZooError('onnxruntime backend: give --model DIR and IMAGES')
    predictor = onnx_predictor(
        args.model, args.ensemble, precision=args.precision, **predictor_options(args))
    return predictor, args.inputs[0]


@clean_errors
def main():
    args = parse_args()
    build = pytorch_predictor if args.backend == 'pytorch' else exported_predictor
    predictor, images = build(args)
    print(predict_folder(predictor, images, args.out_dir, **folder_options(args)))


if __name__ == '__main__':
    main()
