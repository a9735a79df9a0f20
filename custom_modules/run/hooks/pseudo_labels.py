"""What the pseudo-labels of a semi-supervised model do, and one line when they collapse:
a hook with one job, for every family's semi-supervised model."""
import csv
import os.path as osp
import sys

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .mean_teacher import MeanTeacherHook
from .silent_class import training_labels


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """What the pseudo-labels do, every ``interval`` iterations: the share of the unlabelled
    images (segmentation: pixels) the teacher is confident on, and the class shares of its
    confident pseudo-labels (the model's ``pseudo_counts``), written to
    ``pseudo_labels.csv`` (and ``summary.md``). For any semi-supervised model of the zoo
    (``SemiSupervisedClassifier``, ``SemiSupervisedSegmentor``). Collapse is said in one
    line, once for each class piled onto and once for a teacher sure of nothing:

    - the most common pseudo-label is the same class in ``patience`` windows in a row, its
      share each time more than ``pile`` times its share of the labelled images (pixels)
      (pseudo-labels piling onto a class; on the Landsat windows a run's pseudo-labels
      piled onto one class by iteration 350 and onto another from iteration 650 to the
      end, and only the first was said);
    - the confident share stays below ``floor`` for ``patience`` windows (the unlabelled
      data teach nothing).

    Only windows wholly after the ramp-up of the unsupervised loss count. On the digits
    (4 labels a digit) the fixed 0.95 threshold is reached by under 2 % of the unlabelled
    images until iteration 300, and FreeMatch's first pseudo-labels are 99 % one digit at
    iteration 150; both runs then recover (97.8 and 99.2 % test accuracy), and counting
    from the ramp-up's start would have warned about them.
    """

    FILE = 'pseudo_labels.csv'

    def __init__(self, interval=50, patience=3, pile=2.0, floor=0.02):
        self.interval, self.patience, self.pile, self.floor = interval, patience, pile, floor
        self.labelled, self.confident, self.seen = None, [], None
        self.rows, self.said = [], set()
        self.streaks = dict(pile=(None, 0), floor=(None, 0))  # rule: (what, windows in a row)

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
        # only windows wholly after the ramp-up count: before it, the teacher is still
        # learning the labelled images, and its first pseudo-labels may pile up and settle
        ramped = runner.iter + 1 - self.interval >= model.semi_train_cfg['rampup_iters']
        unit = 'pixels' if hasattr(model.student, 'decode_head') else 'images'
        rules = dict(
            pile=(ramped and given.sum() > 0 and shares[top] > self.pile * labelled[top],
                  f'pseudo-labels pile onto class {names[top]!r}: {100 * shares[top]:.0f} % of '
                  f'the confident pseudo-labels, against {100 * labelled[top]:.0f} % of the '
                  f'labelled {unit} (more than {self.pile:g}x'),
            floor=(ramped and confident < self.floor,
                   f'the teacher is confident on {100 * confident:.1f} % of the unlabelled '
                   f'{unit} (below {100 * self.floor:g} %'))
        for rule, (broken, words) in rules.items():
            what = (rule, names[top]) if rule == 'pile' else (rule, )
            kept, count = self.streaks[rule]
            self.streaks[rule] = (what, count + 1 if kept == what else 1) if broken else (None, 0)
            if self.streaks[rule][1] >= self.patience and what not in self.said:
                self.said.add(what)
                line = (f'{words} in {self.patience} windows of {self.interval} iterations in a '
                        f'row, to iteration {runner.iter + 1}): '
                        f'{what_helps(rule, model, unit, names[top])}')
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


def what_helps(rule, model, unit, name):
    """The remedies of a broken rule that ``model``'s ``semi_train_cfg`` has and does not
    use yet (a remedy already on is not advised again)."""
    cfg = model.semi_train_cfg
    self_adaptive = "threshold_mode='self-adaptive'"
    if rule == 'floor':
        if cfg.get('threshold_mode') in ('self-adaptive', 'soft'):
            # these thresholds are running means of the teacher's confidence: no
            # semi_train_cfg.threshold to lower, but a mean that may lag the teacher
            return (f"try a lower semi_train_cfg.ema_decay (now {cfg.get('ema_decay')}), for "
                    "the thresholds to follow the teacher's confidence sooner")
        return f'lower semi_train_cfg.threshold, or use {self_adaptive} (FreeMatch)'
    helps = []
    if cfg.get('distribution_alignment') is False:
        helps.append('distribution alignment (semi_train_cfg.distribution_alignment=True)')
    if cfg.get('threshold_mode') == 'fixed':
        helps.append(f'self-adaptive thresholds ({self_adaptive})')
    elif cfg.get('threshold_mode') in ('self-adaptive', 'soft'):
        helps.append("a fixed threshold (threshold_mode='fixed')")
    helps = ' or '.join(helps) or 'a higher semi_train_cfg.threshold'
    # the rule compares with the labelled share: labels drawn evenly (4 a class) from
    # data whose classes are not even make a common class look piled onto
    return (f'try {helps} to keep pseudo-labels in proportion, unless that many of the '
            f'unlabelled {unit} really are {name!r}')
