"""python -m custom_modules.deploy predict MODEL_DIR IMAGES [--out-dir DIR] [--tile SIZE
[--overlap PX]] [--batch N] [--score-thr S] [--on-bad skip|error] [--threads N]
[--bands B ...] [--scale RULE] [--probabilities] [--tta none|flip|d4]
[--ensemble MODEL_DIR ...] [--score-thr S [CLASS=S ...]] [--precision fp32|int8]

Predicts with an exported model (model.onnx + model.json) on ONNX Runtime, without
PyTorch or OpenMMLab; writes the same files as tools/infer.py, rasters included.
"""
import argparse
import sys

from ..errors import ZooError
from .files import predict_folder
from .onnx_session import onnx_predictor
from .options import add_predict_args, folder_options, predictor_options


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m custom_modules.deploy', description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    predict = commands.add_parser('predict', help='predict on an image or a folder')
    predict.add_argument('model_dir', help='a folder written by tools/deployment/export_onnx.py')
    predict.add_argument('images', help='an image or a folder of images')
    predict.add_argument('--threads', type=int, help='ONNX Runtime threads (default: all)')
    predict.add_argument(
        '--ensemble',
        nargs='+',
        default=[],
        metavar='MODEL_DIR',
        help='more exported models of the same classes, averaged with the first')
    add_predict_args(predict)
    args = parser.parse_args(argv)
    try:
        predictor = onnx_predictor(args.model_dir, args.ensemble, args.threads, args.precision,
                                   **predictor_options(args))
        print(predict_folder(predictor, args.images, args.out_dir, **folder_options(args)))
    except ZooError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
