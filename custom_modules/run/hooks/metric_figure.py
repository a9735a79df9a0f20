"""The base of the families' hooks that draw what a metric measured."""
import os.path as osp

import cv2
from mmengine.dist import is_main_process
from mmengine.hooks import Hook


class MetricFigureHook(Hook):
    """Base of the hooks that turn what a metric measured into a picture.

    Metrics compute numbers, write them as data (``confusion_matrix.json``, ``counts.csv``)
    and hand what a figure needs over in their ``figure_data``; after every validation and
    test, on the main process, a subclass draws it. The metric is found in the loop's
    evaluator by type (``metric_type``); the picture goes to its ``out_dir``, by default
    the run's log folder.
    Subclasses implement ``draw(metric, path)``, writing the picture named ``picture``;
    it also goes to the run's visualizer (TensorBoard, ... with ``--vis``).
    """

    metric_type = None
    picture = None

    def _draw_for(self, runner, loop):
        if not is_main_process():
            return
        for metric in loop.evaluator.metrics:
            if isinstance(metric, self.metric_type):
                path = osp.join(getattr(metric, 'out_dir', None) or runner.log_dir, self.picture)
                self.draw(metric, path)
                visualizer = getattr(runner, 'visualizer', None)
                if visualizer is not None:
                    image = cv2.imread(path)[..., ::-1]  # RGB, as visualizers take it
                    visualizer.add_image(osp.splitext(self.picture)[0], image, step=runner.iter)

    def draw(self, metric, path):
        raise NotImplementedError

    def after_val_epoch(self, runner, metrics=None):
        self._draw_for(runner, runner.val_loop)

    def after_test_epoch(self, runner, metrics=None):
        self._draw_for(runner, runner.test_loop)
