"""python -m custom_modules.deploy predict MODEL_DIR IMAGES [--out-dir DIR] [--tile SIZE
[--overlap PX]] [--batch N] [--score-thr S] [--on-bad skip|error] [--threads N]
[--bands B ...] [--scale RULE] [--probabilities] [--tta none|flip|d4]
[--ensemble MODEL_DIR ...] [--score-thr S [CLASS=S ...]]

Predicts with an exported model (model.onnx + model.json) on ONNX Runtime, without
PyTorch or OpenMMLab; writes the same files as tools/infer.py, rasters included.
"""
import argparse
import sys

from ..errors import ZooError
from ..geo.raster import parse_scaling
from .runtime import OnnxNetwork, Predictor, load_spec, predict_folder


def add_predict_args(parser):
    """The options of prediction, shared with tools/infer.py."""
    parser.add_argument('--out-dir', default='predictions')
    parser.add_argument(
        '--score-thr',
        nargs='+',
        type=score_threshold,
        help='detection: draw and list boxes scoring at least this (default: the model\'s); '
        'per class as CLASS=S, e.g. --score-thr 0.5 tree=0.3')
    parser.add_argument(
        '--tta',
        default='none',
        choices=['none', 'flip', 'd4'],
        help='test-time augmentation: flip (the image and its two mirrors) or d4 (every turn '
        'and mirror, for nadir imagery); logits and probabilities averaged, boxes merged')
    parser.add_argument(
        '--tile', type=int, help='split images larger than this into windows of this size')
    parser.add_argument(
        '--overlap',
        type=int,
        default=64,
        help='pixels shared by neighbouring '
        'windows (default 64); objects up to this size are found whole')
    parser.add_argument(
        '--batch',
        type=int,
        default=8,
        help='images of one size that go through the network together (default 8)')
    parser.add_argument(
        '--bands',
        type=int,
        nargs='+',
        help='rasters: the bands to read, in input order, e.g. 4 3 2 (default: the model\'s, '
        'else the first ones)')
    parser.add_argument(
        '--scale',
        help='rasters: how values become the 0-255 input: dtype (the type\'s range), '
        'percentile[:LOW,HIGH] (default 2,98 per band), MIN:MAX or MIN1,..:MAX1,.. (default: '
        'the model\'s; 8-bit as is; other types are refused without one)')
    parser.add_argument(
        '--probabilities',
        action='store_true',
        help='rasters, segmentation: also write <name>_probs.tif (a float32 band a class)')
    parser.add_argument(
        '--on-bad',
        choices=['skip', 'error'],
        default='skip',
        help='an unreadable image: pass over it and list it in skipped_images.txt (skip), '
        'or stop (error)')


def score_threshold(text):
    """One ``--score-thr`` value: ``0.5`` (every class) or ``tree=0.3``."""
    name, _, value = text.rpartition('=')
    try:
        return (name or '*', float(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r}: give a score (0.5) or CLASS=score '
                                         '(tree=0.3)') from None


def score_thr_of(args):
    """``--score-thr`` as ``predict_folder`` takes it: None, one number or ``{class: s}``."""
    if not args.score_thr:
        return None
    given = dict(args.score_thr)
    return given['*'] if set(given) == {'*'} else given


def geo_options(args):
    """``predict_folder``'s raster options from the parsed ``add_predict_args``."""
    return dict(
        bands=args.bands, scaling=parse_scaling(args.scale), probabilities=args.probabilities)


def ensemble_networks(spec, model_dirs, threads=None):
    """The networks of ``model_dirs``, each checked to predict what ``spec``'s model does."""
    networks = []
    for model_dir in model_dirs:
        other = load_spec(model_dir)
        for key in ('task', 'classes', 'input'):
            if other.get(key) != spec.get(key):
                raise ZooError(f'--ensemble {model_dir}: its {key} ({other.get(key)}) differs '
                               f'from the first model\'s ({spec.get(key)}); an ensemble '
                               'averages models of one task, class list and input')
        networks.append(OnnxNetwork(model_dir, other, threads))
    return networks


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
        spec = load_spec(args.model_dir)
        predictor = Predictor(spec, OnnxNetwork(args.model_dir, spec, args.threads), args.tile,
                              args.overlap, args.batch, args.tta,
                              ensemble_networks(spec, args.ensemble, args.threads))
        print(
            predict_folder(predictor, args.images, args.out_dir, args.on_bad, score_thr_of(args),
                           geo_options(args)))
    except ZooError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
