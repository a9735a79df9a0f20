"""What a runtime network scores: the config's test split predicted by a runtime
``Predictor`` (ONNX Runtime at either precision, or the PyTorch module), each prediction
put into the split's own data sample and scored by the config's own ``test_evaluator``, as
``tools/test.py`` scores the training stack. The int8 export compares its model with the
fp32 one here; ``benchmark_inference`` reports it beside the speed.

The headline numbers of each task, in points (percent): classification top-1 accuracy,
detection mAP and mAP50, segmentation mIoU, embedding kNN top-1 accuracy."""
import contextlib
import io
import logging
import tempfile

from ..errors import ZooError
from ..run_folder import writing_to
from .parity import read_inputs
from .tasks import export_task


def split_items(dataset, limit=None):
    """``(item, index)`` of the dataset's samples, at most ``limit`` spread evenly over it
    (image folders are sorted by class): an item is an image path, or ``(raster path,
    window)`` for a raster dataset (what ``parity.read_inputs`` reads)."""
    count = len(dataset)
    picked = range(count) if not limit or limit >= count else \
        sorted({round(i * (count - 1) / max(limit - 1, 1)) for i in range(limit)})
    for index in picked:
        info = dataset.get_data_info(index)
        path = info.get('img_path')
        if not path:
            raise ZooError('the test split has no image files (TFRecords?): its metric '
                           'needs images; convert it with tools/dataset_converters')
        yield (path, tuple(info['window'])) if 'window' in info else path, index


def test_metrics(cfg, predictors, limit=None):
    """``{name: headline metrics}`` of each of ``predictors`` (``{name: Predictor}``) on
    the config's test split (at most ``limit`` samples), every one scored by the config's
    ``test_evaluator`` on the same decoded images."""
    with _quiet():  # the evaluators' tables and pycocotools' prints
        return _scored(cfg, predictors, limit)


def _scored(cfg, predictors, limit):
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DATASETS
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    evaluators = {}
    for name in predictors:
        evaluators[name] = Evaluator(cfg.test_evaluator)
        evaluators[name].dataset_meta = dataset.metainfo
    task = export_task(next(iter(predictors.values())).spec['task'])
    items = list(split_items(dataset, limit))
    images = read_inputs(cfg, [item for item, _ in items], '.', 'error')
    for (_, img), (_, index) in zip(images, items):
        truth = dataset[index]['data_samples']
        for name, predictor in predictors.items():
            sample = truth.clone()
            task.into_sample(sample, predictor.predict(img))
            evaluators[name].process([sample])
    with tempfile.TemporaryDirectory() as folder, writing_to(folder):  # the metrics' files
        return {
            name: task.headline(evaluator.evaluate(len(items)))
            for name, evaluator in evaluators.items()
        }


@contextlib.contextmanager
def _quiet():
    """INFO lines (per-class IoU tables, COCO summaries) and prints left out."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.setLevel(level)


def losses(reference, other):
    """Points lost by ``other`` against ``reference`` (headline metrics), per metric."""
    return {key: reference[key] - other[key] for key in reference}


def metrics_line(metrics):
    return ', '.join(f'{key} {value:.2f}' for key, value in metrics.items())
