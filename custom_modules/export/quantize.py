"""The int8 model of an export: ONNX Runtime's static quantisation of ``model.onnx`` (QDQ
format, int8 weights per output channel, uint8 activations whose ranges come from
calibration), calibrated on training images or raster windows that went through the
model's own pre-processing (the runtime's ``processing.preprocess``, the input the
network sees when it predicts).

Only the layers that carry the work are quantised (convolutions, transposed convolutions,
matrix products); what follows them in the graph (a detector's box decoding and sigmoid
scores, a U-Net's resize to the input size, the softmax) stays in float, so boxes are not
rounded to a grid of 1/256 of the image. ONNX Runtime's guide:
https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html
"""
import os
import os.path as osp
import tempfile

from ..deploy.model_dir import INT8_FILE, load_spec, write_spec
from ..deploy.onnx_session import OnnxNetwork
from ..deploy.predictor import Predictor
from ..deploy.processing import preprocess
from ..errors import ZooError
from .parity import read_inputs
from .quality import split_items

QUANTISED_OPS = ['Conv', 'ConvTranspose', 'MatMul', 'Gemm']


def calibration_items(cfg, count):
    """``count`` samples of the config's training set, spread evenly over it (image paths,
    or ``(raster, window)``)."""
    from mmengine.registry import DATASETS
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    try:
        return [item for item, _ in split_items(dataset, count)]
    except ZooError:
        raise ZooError('--int8: the training split has no image files to calibrate on '
                       '(TFRecords?); convert it with tools/dataset_converters') from None


def calibration_inputs(cfg, spec, count):
    """The network inputs (1 x C x H x W float32) of ``count`` training images or raster
    windows, decoded and pre-processed as the runtime does."""
    items = calibration_items(cfg, count)
    return [preprocess(img, spec)[0] for _, img in read_inputs(cfg, items, '.', 'skip')]


class _Inputs:
    """The calibration inputs as ONNX Runtime's ``CalibrationDataReader`` reads them."""

    def __init__(self, inputs):
        self.inputs = iter(inputs)

    def get_next(self):
        x = next(self.inputs, None)
        return None if x is None else {'image': x}


def quantize_int8(fp32_path, int8_path, inputs):
    """Write ``int8_path``: ``fp32_path`` statically quantised (see the module), calibrated
    on ``inputs`` (network inputs)."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    if not inputs:
        raise ZooError('--int8: no calibration images could be read')
    reader = type('CalibrationInputs', (_Inputs, CalibrationDataReader), {})(inputs)
    with tempfile.TemporaryDirectory() as folder:
        prepared = osp.join(folder, 'prepared.onnx')
        # shapes and constant folding, which the quantiser needs; the symbolic shape
        # inference (for transformers) fails on a U-Net's dynamic shapes, leaving a file in
        # the working directory (onnxruntime/tools/symbolic_shape_infer.py), and our
        # convolutional networks do not need it
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared,
            int8_path + '.tmp',
            reader,
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=QUANTISED_OPS)
    os.replace(int8_path + '.tmp', int8_path)


def export_int8(cfg, model_dir, calib=100, max_loss=1.0, limit=None):
    """Write ``model.int8.onnx`` beside the fp32 export in ``model_dir`` when it loses at
    most ``max_loss`` points of each headline metric of the config's test split (at most
    ``limit`` samples) against fp32; ``model.json`` then holds both precisions and the
    figures. Returns the report; a larger loss is a :class:`ZooError` and writes nothing."""
    from .quality import losses, metrics_line, test_metrics
    spec = load_spec(model_dir)
    inputs = calibration_inputs(cfg, spec, calib)
    int8_path = osp.join(model_dir, INT8_FILE)
    candidate = int8_path + '.candidate'
    quantize_int8(osp.join(model_dir, 'model.onnx'), candidate, inputs)
    spec['precisions'] = {'fp32': 'model.onnx', 'int8': osp.basename(candidate)}
    try:
        scored = test_metrics(
            cfg, {
                precision: Predictor(spec, OnnxNetwork(model_dir, spec, precision=precision))
                for precision in ('fp32', 'int8')
            }, limit)
        lost = losses(scored['fp32'], scored['int8'])
        report = (f'int8 ({len(inputs)} calibration inputs) against fp32 on the test split: '
                  f'{metrics_line(scored["int8"])} against {metrics_line(scored["fp32"])}; '
                  f'loss {metrics_line(lost)} points (bound {max_loss})')
        if max(lost.values()) > max_loss:
            raise ZooError(f'{report}: over the bound, int8 model not written; calibrate on '
                           'more images (--calib), or raise --max-loss')
        os.replace(candidate, int8_path)
    finally:
        if osp.exists(candidate):
            os.remove(candidate)
    spec['precisions']['int8'] = INT8_FILE
    spec['int8'] = dict(
        calibration=len(inputs),
        test_split={
            k: {
                m: round(v, 2)
                for m, v in s.items()
            }
            for k, s in scored.items()
        },
        max_loss=max_loss)
    write_spec(model_dir, spec)
    return report
