"""Hooks of the image recognition family."""
from mmengine.dist import all_gather_object, is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ..errors import ZooError
from ..run.hooks import MetricFigureHook
from ..run.runner import unwrap
from .metrics import ClassificationReport
from .visualization import draw_prediction_grid, plot_confusion_matrix


def _head(runner):
    """The model's classification head, or None (e.g. an embedding model)."""
    return getattr(unwrap(runner.model), 'head', None)


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Stop before training or testing when the head's ``num_classes`` disagrees with
    the dataset's class list."""

    def _check(self, runner, dataset):
        classes = dataset.metainfo.get('classes')
        num_classes = getattr(_head(runner), 'num_classes', None)
        if classes and num_classes is not None and num_classes != len(classes):
            raise ZooError(f'the model head has num_classes={num_classes} but the dataset has '
                           f'{len(classes)} classes {list(classes)}; set model.head.num_classes='
                           f'{len(classes)} (or fix `classes`)')

    def before_train(self, runner):
        self._check(runner, runner.train_dataloader.dataset)

    def before_test(self, runner):
        self._check(runner, runner.test_dataloader.dataset)


@HOOKS.register_module()
class ClassCountsHook(Hook):
    """Give every module of the model that asks for them (a ``set_class_counts(labels,
    classes)`` method, e.g. :class:`BalancedCrossEntropyLoss`) the training split's labels
    and class names, once before training. Models that ask for nothing are untouched."""

    def before_train(self, runner):
        askers = [m for m in unwrap(runner.model).modules() if hasattr(m, 'set_class_counts')]
        if askers:
            dataset = runner.train_dataloader.dataset
            labels, classes = dataset.get_gt_labels(), dataset.metainfo['classes']
            for module in askers:
                module.set_class_counts(labels, classes)


@HOOKS.register_module()
class PredictionGridHook(Hook):
    """At the end of testing, draw a grid of test images with their true and predicted
    labels (green where right, red where wrong): ``prediction_grid.png``, and the
    mistakes alone: ``prediction_mistakes.png``. ``tools/test.py --show-dir`` enables it.
    In a distributed test every rank keeps up to ``max_images`` of each kind from its
    share and the main process draws from all of them.

    Args:
        enable (bool): draw at all. Default False.
        out_dir (str, optional): where to write; default the run's log folder.
        max_images (int): images per grid. Default 64.
    """

    def __init__(self, enable=False, out_dir=None, max_images=64):
        self.enable, self.out_dir, self.max_images = enable, out_dir, max_images
        self._right, self._wrong = [], []

    def before_test(self, runner):
        self._right, self._wrong = [], []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not self.enable:
            return
        for img, sample in zip(data_batch['inputs'], outputs):
            if 'pred_label' not in sample:  # not a classifier (an embedding model)
                return
            true, pred = int(sample.gt_label[0]), int(sample.pred_label[0])
            bucket = self._right if true == pred else self._wrong
            if len(bucket) < self.max_images:
                rgb = img.permute(1, 2, 0).cpu().numpy()[..., ::-1]  # BGR CHW -> RGB HWC
                bucket.append((rgb, true, pred, float(sample.pred_score[pred])))

    def after_test_epoch(self, runner, metrics=None):
        """Draw, on the main process, from the images every rank kept."""
        if not self.enable:
            return
        right, wrong = (sum(all_gather_object(kept), []) for kept in (self._right, self._wrong))
        if not is_main_process() or not (right or wrong):
            return
        out_dir = self.out_dir or runner.log_dir
        classes = runner.test_dataloader.dataset.metainfo.get('classes')
        mixed = (wrong + right)[:self.max_images]
        draw_prediction_grid(mixed, classes, f'{out_dir}/prediction_grid.png')
        if wrong:
            draw_prediction_grid(wrong[:self.max_images], classes,
                                 f'{out_dir}/prediction_mistakes.png')
        runner.logger.info(f'prediction grids of {len(mixed)} images written to {out_dir}')


@HOOKS.register_module()
class ConfusionMatrixHook(MetricFigureHook):
    """After every evaluation, draw ``confusion_matrix.png`` (row-normalised) from the
    matrix ``ClassificationReport`` handed over (its ``figure_data``)."""

    metric_type = ClassificationReport
    picture = 'confusion_matrix.png'

    def draw(self, metric, path):
        found = metric.figure_data
        plot_confusion_matrix(found['matrix'], found['classes'], path)
