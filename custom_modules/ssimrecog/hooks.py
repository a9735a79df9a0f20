"""Hooks of semi-supervised recognition: what the pseudo-labels do (:class:`PseudoLabelHook`)
and the t-SNE picture of :class:`KNNAccuracy`'s embeddings. The mean teacher's EMA, which
segmentation's semi-supervised model uses too, is ``custom_modules.run.hooks.mean_teacher``."""
import csv
import os.path as osp
import sys

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ..run.hooks import MeanTeacherHook, MetricFigureHook
from ..run.hooks.silent_class import training_labels
from .metrics import KNNAccuracy
from .visualization import plot_tsne


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """What the pseudo-labels do, every ``interval`` iterations: the share of the unlabelled
    images the teacher is confident on, and the class shares of its confident
    pseudo-labels (the model's ``pseudo_counts``), written to ``pseudo_labels.csv`` (and
    ``summary.md``). Collapse is said in one line, once:

    - the most common pseudo-label's share is more than ``pile`` times its share of the
      labelled images in ``patience`` windows in a row (pseudo-labels piling onto a class);
    - after the ramp-up, the confident share stays below ``floor`` for ``patience`` windows
      (the unlabelled images teach nothing).
    """

    FILE = 'pseudo_labels.csv'

    def __init__(self, interval=50, patience=3, pile=2.0, floor=0.02):
        self.interval, self.patience, self.pile, self.floor = interval, patience, pile, floor
        self.labelled, self.confident, self.seen = None, [], None
        self.rows, self.streaks, self.said = [], dict(pile=0, floor=0), set()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        found = training_labels((data_batch or {}).get('data_samples') or [])
        model = MeanTeacherHook._model(runner)
        classes = len(model.pseudo_counts)
        if found is not None:
            self.labelled = np.zeros(classes, np.int64) if self.labelled is None else self.labelled
            self.labelled[:len(found)] += found[:classes]
        if outputs and 'pseudo_confident' in outputs:
            self.confident.append(float(outputs['pseudo_confident']))
        if (runner.iter + 1) % self.interval == 0:
            self.window(runner, model)

    def window(self, runner, model):
        counts = model.pseudo_counts.detach().cpu().numpy().copy()
        given = counts - (self.seen if self.seen is not None else 0)
        self.seen = counts
        confident = float(np.mean(self.confident)) if self.confident else 0.0
        self.confident = []
        shares = given / given.sum() if given.sum() else np.zeros(len(given))
        self.rows.append([runner.iter + 1, round(confident, 4), *shares.round(4).tolist()])
        classes = list(runner.train_dataloader.dataset.metainfo.get('classes') or [])
        names = classes if len(classes) == len(given) else [str(i) for i in range(len(given))]
        top = int(shares.argmax())
        labelled = self.labelled / self.labelled.sum() if self.labelled is not None \
            and self.labelled.sum() else np.full(len(given), 1 / len(given))
        ramped = runner.iter + 1 >= model.semi_train_cfg['rampup_iters']
        rules = dict(
            pile=(given.sum() > 0 and shares[top] > self.pile * labelled[top],
                  f'pseudo-labels pile onto class {names[top]!r}: {100 * shares[top]:.0f} % of '
                  f'the confident pseudo-labels, against {100 * labelled[top]:.0f} % of the '
                  f'labelled images (more than {self.pile:g}x'),
            floor=(ramped and confident < self.floor,
                   f'the teacher is confident on {100 * confident:.1f} % of the unlabelled '
                   f'images (below {100 * self.floor:g} %'))
        for rule, (broken, words) in rules.items():
            self.streaks[rule] = self.streaks[rule] + 1 if broken else 0
            if self.streaks[rule] >= self.patience and rule not in self.said:
                self.said.add(rule)
                line = (f'{words} in {self.patience} windows of {self.interval} iterations in a '
                        f'row, to iteration {runner.iter + 1}): {HELP[rule]}')
                runner.logger.info(line)
                if is_main_process():
                    print(f'WARNING: {line}', file=sys.stderr, flush=True)

    def after_train(self, runner):
        if not (self.rows and is_main_process()):
            return
        model = MeanTeacherHook._model(runner)
        classes = list(runner.train_dataloader.dataset.metainfo.get('classes') or [])
        if len(classes) != len(model.pseudo_counts):
            classes = [str(i) for i in range(len(model.pseudo_counts))]
        with open(osp.join(runner.work_dir, self.FILE), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['iteration', 'confident', *classes])
            writer.writerows(self.rows)


HELP = dict(
    pile='distribution alignment (semi_train_cfg.distribution_alignment=True) or self-adaptive '
    "thresholds (threshold_mode='self-adaptive') keep pseudo-labels in proportion",
    floor="lower semi_train_cfg.threshold, or use threshold_mode='self-adaptive' (FreeMatch)")


@HOOKS.register_module()
class TSNEHook(MetricFigureHook):
    """After every evaluation, draw ``tsne.png`` (the query embeddings in 2-D, coloured by
    class) from the embeddings ``KNNAccuracy`` handed over (its ``figure_data``)."""

    metric_type = KNNAccuracy
    picture = 'tsne.png'

    def draw(self, metric, path):
        found = metric.figure_data
        plot_tsne(found['embeddings'], found['labels'], found['classes'] or None, path)
