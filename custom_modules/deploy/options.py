"""The options of prediction, one definition for ``tools/infer.py`` and
``python -m custom_modules.deploy predict``, and what they become."""
import argparse

from ..geo.raster import parse_scaling
from .model_dir import PRECISIONS


def add_predict_args(parser):
    """Add the options of prediction to an ``argparse`` parser."""
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
        help='pixels shared by neighbouring windows (default: half a window, at most 64); '
        'objects up to this size are found whole')
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='an exported model: run its fp32 model, or the int8 one export_onnx.py --int8 '
        'wrote beside it (faster on a CPU; its accuracy cost is in model.json)')
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
        '--native-resolution',
        action='store_true',
        help='rasters: predict at each raster\'s own pixel size (default: a raster whose '
        'pixels differ from the model\'s by more than 10 %% is read resampled to them)')
    parser.add_argument(
        '--probabilities',
        action='store_true',
        help='rasters, segmentation: also write <name>_probs.tif (a float32 band a class)')
    parser.add_argument(
        '--boundary',
        nargs='+',
        metavar='CLASS',
        help='rasters, segmentation: trace the boundary of CLASS (against the rest) or between '
        'two classes as lines in <name>_shoreline.gpkg (default: a class named water)')
    parser.add_argument(
        '--uncertainty',
        action='store_true',
        help='rasters: segmentation also writes <name>_uncertainty.tif, the normalised entropy '
        'of each pixel\'s class probabilities (over the --tta views and --ensemble members); '
        'detection gives each box a score_std, the spread of its score over the views and '
        'members (needs --tta or --ensemble)')
    parser.add_argument(
        '--suggest',
        type=int,
        default=0,
        metavar='N',
        help='rasters, segmentation: write <name>_to_label.gpkg, the N windows of highest mean '
        'uncertainty, none overlapping: where to label next')
    parser.add_argument(
        '--min-area',
        type=float,
        default=0.0,
        help='rasters, segmentation: leave class polygons smaller than this (m2) out of '
        '<name>_classes.gpkg (default: keep every one)')
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
        bands=args.bands,
        scaling=parse_scaling(args.scale),
        native_resolution=args.native_resolution,
        probabilities=args.probabilities,
        min_area=args.min_area,
        boundary=args.boundary,
        uncertainty=args.uncertainty,
        suggest=args.suggest)


def predictor_options(args):
    """The keyword arguments of ``Predictor`` (besides its spec and networks)."""
    return dict(batch_size=args.batch, tta=args.tta)


def folder_options(args):
    """The keyword arguments of ``files.predict_folder`` (besides predictor, images and
    output folder)."""
    return dict(
        on_bad=args.on_bad,
        score_thr=score_thr_of(args),
        geo=geo_options(args),
        tile=args.tile,
        overlap=args.overlap)
