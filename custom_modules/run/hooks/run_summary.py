"""``summary.md`` and ``summary.json`` at the end of training."""
import json
import numbers
import os
import os.path as osp
import shlex
import sys
import time
from glob import glob

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ... import commands
from ...checkpoints import best_so_far
from ...geo.raster import describe_ground
from ...nested import nested_items
from ...visualization import default_curve_keys, plot_curves, read_scalars


@HOOKS.register_module()
class RunSummaryHook(Hook):
    """At the end of training, write ``summary.md`` and ``summary.json`` in the work dir:
    the config, the data, how long it trained, the best and the last validation metrics,
    the pictures and curves made (``curves.png`` is drawn here from the run's scalars), the
    ground of raster training data (``raster``: data type, bands, CRS, pixel size, scaling),
    and the commands to test, infer with and export the model."""

    priority = 'VERY_LOW'

    def __init__(self):
        self.started, self.last_metrics = None, {}

    def before_train(self, runner):
        self.started = time.time()

    def after_val_epoch(self, runner, metrics=None):
        self.last_metrics = {
            k: float(v)
            for k, v in (metrics or {}).items() if isinstance(v, numbers.Real)  # numpy's too
        }

    def after_train(self, runner):
        if not is_main_process():
            return
        series = read_scalars(runner.work_dir)
        keys = default_curve_keys(series)
        if keys:
            plot_curves(series, keys, osp.join(runner.work_dir, 'curves.png'))
        summary = self.summary(runner)
        with open(osp.join(runner.work_dir, 'summary.json'), 'w') as f:
            json.dump(summary, f, indent=1)
        with open(osp.join(runner.work_dir, 'summary.md'), 'w') as f:
            f.write(summary_markdown(summary))

    def summary(self, runner):
        best, checkpoint = best_so_far(runner)
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if checkpoint is None and osp.isfile(last):
            with open(last) as f:
                checkpoint = f.read().strip()
        data = sorted({
            f'{path}: {value}'
            for loader in ('train_dataloader', 'val_dataloader')
            for path, key, value in nested_items(runner.cfg.get(loader) or {}, loader + '.')
            if key in ('data_root', 'ann_file', 'data_prefix') and value
        })
        ground = (getattr(runner.train_dataloader.dataset, 'metainfo', None) or {}).get('raster')
        pseudo = pseudo_label_rows(runner.work_dir)
        return dict(
            config=runner.cfg.filename,
            work_dir=runner.work_dir,
            data=data,
            **(dict(raster=ground) if ground else {}),
            **(dict(pseudo_labels=pseudo) if pseudo else {}),
            command=shlex.join(['python', *sys.argv]),
            trained=dict(
                epochs=runner.epoch,
                iterations=runner.iter,
                seconds=round(time.time() - (self.started or time.time()), 1),
                device=str(next(runner.model.parameters()).device),
                hardware=hardware(runner.world_size),
                # CPU kernels split their sums by thread, so the count changes the floats
                threads=torch.get_num_threads()),
            best=best,
            last_metrics=self.last_metrics,
            checkpoint=checkpoint,
            pictures=sorted(
                osp.relpath(p, runner.work_dir)
                for p in glob(osp.join(runner.work_dir, '**', '*.png'), recursive=True)),
            commands=commands.next_steps(runner.cfg.filename, checkpoint))


def pseudo_label_rows(work_dir, most=12):
    """The header and at most ``most`` rows (evenly spaced, the last kept) of a
    semi-supervised run's ``pseudo_labels.csv``, as text; None without one."""
    import csv
    path = osp.join(work_dir, 'pseudo_labels.csv')
    if not osp.isfile(path):
        return None
    with open(path, newline='') as f:
        head, *rows = list(csv.reader(f))
    if len(rows) > most:
        picked = sorted({round(i * (len(rows) - 1) / (most - 1)) for i in range(most)})
        rows = [rows[i] for i in picked]
    return [head, *rows]


def hardware(world_size=1):
    """What trained: ``2x NVIDIA H200`` or ``CPU (2 cores)``."""
    if torch.cuda.is_available():
        return f'{world_size}x {torch.cuda.get_device_name()}'
    usable = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    cores = f'CPU ({usable} {"core" if usable == 1 else "cores"})'
    return cores if world_size == 1 else f'{world_size} processes on {cores}'


def summary_markdown(summary):
    """``summary.md`` from a run summary."""
    trained = summary['trained']
    lines = [
        f'# {osp.basename(summary["config"])}', '', f'- config: `{summary["config"]}`',
        f'- data: {", ".join(f"`{d}`" for d in summary["data"]) or "-"}',
        *([f'- rasters: {describe_ground(summary["raster"])}'] if summary.get('raster') else []),
        f'- trained: {trained["epochs"]} epochs, {trained["iterations"]} iterations in '
        f'{trained["seconds"]:.0f} s on {trained["device"]} ({trained["hardware"]})',
        f'- best: {", ".join(f"{k} {v:.4g}" for k, v in summary["best"].items()) or "-"}'
        f' (`{summary["checkpoint"]}`)', '', '| last validation metric | value |', '|---|---|'
    ]
    lines += [f'| {k} | {v:.4g} |' for k, v in summary['last_metrics'].items()]
    if summary.get('pseudo_labels'):
        head, *rows = summary['pseudo_labels']
        lines += [
            '', '## Pseudo-labels', '',
            'The share of unlabelled images the teacher was confident on, and the class shares '
            'of its confident pseudo-labels, in windows of iterations (`pseudo_labels.csv`):', '',
            '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)
        ]
        lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    lines += ['', '## Pictures and curves', '']
    lines += [f'- [{p}]({p})' for p in summary['pictures']] or ['- none']
    lines += ['', '## Next', '', '```bash', *summary['commands'].values(), '```', '']
    return '\n'.join(lines)
