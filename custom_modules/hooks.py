"""Hooks every family uses: exact resume of random streams, a checkpoint on preemption,
the base of the hooks that draw a metric's saved results, and the run's summary."""
import json
import numbers
import os
import os.path as osp
import random
import shlex
import signal
import sys
import threading
import time
from glob import glob

import cv2
import numpy as np
import torch
from mmengine.dist import all_reduce, barrier, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def derived_seed(seed, *keys):
    """A 32-bit seed that depends only on ``seed`` and ``keys`` (e.g. the epoch)."""
    return int(np.random.SeedSequence([seed or 0, *keys]).generate_state(1)[0])


@HOOKS.register_module()
class ResumableRandomnessHook(Hook):
    """Make the random streams a function of where training is, not of its history, so
    that a resumed run replays exactly what an uninterrupted one would have done:

    - before every epoch, Python, numpy and torch are seeded from (seed, epoch): the data
      augmentation of the main process (``num_workers=0``) depends only on the epoch;
    - before every iteration, torch is seeded from (seed, iteration): dropout and other
      random layers depend only on the iteration.

    Worker processes are seeded by mmengine from the seed at each epoch (non-persistent
    workers) or once (persistent workers: their streams are not replayed on resume).
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner):
        seed = derived_seed(runner.seed, 0, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        torch.manual_seed(derived_seed(runner.seed, 1, runner.iter))


@HOOKS.register_module()
class PreemptionHook(Hook):
    """Save the run when the scheduler is about to stop it.

    Slurm (``--signal=USR1@90`` or at its time limit) and cloud schedulers send SIGTERM
    or SIGUSR1 before they kill a job. On either, the current iteration finishes, every
    rank agrees to stop (one all-reduce per iteration in a distributed run), a checkpoint
    is written (atomically) and named in ``last_checkpoint``, the way to resume is
    printed, and the process exits with :attr:`EXIT_CODE` (75, "temporary failure":
    ``tools/slurm_train.sh`` requeues the job). With ``ResumableEpochBasedTrainLoop``
    (the zoo's epoch loop) ``--resume`` continues mid-epoch exactly where it stopped.
    """

    priority = 'LOWEST'  # after the step and every other hook of the iteration
    EXIT_CODE = 75

    def __init__(self, signals=('SIGTERM', 'SIGUSR1')):
        self.signals = [getattr(signal, name) for name in signals]
        self._received, self._previous = None, {}

    def _on_signal(self, signum, frame):
        self._received = signum

    def before_train(self, runner):
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._received = None
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def after_train(self, runner):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _stop_requested(self):
        stop = torch.tensor([float(self._received is not None)])
        if get_world_size() > 1:
            all_reduce(stop, op='max')
        return bool(stop.item())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not self._stop_requested():
            return
        iteration = runner.iter + 1  # iterations done, this one included
        filename = f'iter_{iteration}.pth'
        runner.save_checkpoint(
            runner.work_dir, filename, meta=dict(epoch=runner.epoch, iter=iteration))
        checkpoint = osp.join(runner.work_dir, filename)
        if is_main_process():
            pointer = osp.join(runner.work_dir, 'last_checkpoint')
            with open(pointer + '.tmp', 'w') as f:
                f.write(checkpoint)
            os.replace(pointer + '.tmp', pointer)
            name = signal.Signals(self._received).name if self._received else 'another rank'
            print(
                f'preempted ({name}) after iteration {iteration} (epoch {runner.epoch + 1}): '
                f'checkpoint {checkpoint}; continue with: python tools/train.py '
                f'{runner.cfg.filename} --work-dir {runner.work_dir} --resume',
                file=sys.stderr,
                flush=True)
        barrier()  # no rank leaves before the checkpoint is written
        from .cli import leave_process_group
        leave_process_group()
        raise SystemExit(self.EXIT_CODE)


class MetricFigureHook(Hook):
    """Base of the hooks that turn what a metric measured into a picture.

    Metrics compute numbers and write them as data (``confusion_matrix.json``,
    ``counts.csv``); after every validation and test, on the main process, a subclass
    reads them back and draws. The metric is found in the loop's evaluator by type
    (``metric_type``); its folder is its ``out_dir``, by default the run's log folder.
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


@HOOKS.register_module()
class RunSummaryHook(Hook):
    """At the end of training, write ``summary.md`` and ``summary.json`` in the work dir:
    the config, the data, how long it trained, the best and the last validation metrics,
    the pictures and curves made (``curves.png`` is drawn here from the run's scalars), and
    the commands to test, infer with and export the model."""

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
        from .visualization import default_curve_keys, plot_curves, read_scalars
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
        from .cli import nested_items
        info = runner.message_hub.runtime_info
        saver = next((h for h in runner.hooks if type(h).__name__ == 'CheckpointHook'), None)
        indicators = getattr(saver, 'key_indicators', None) or ['score']
        best = {
            k[len('best_score'):].lstrip('_') or indicators[0]: float(v)
            for k, v in info.items() if k.startswith('best_score')
        }
        checkpoint = next((v for k, v in info.items() if k.startswith('best_ckpt')), None)
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
        return dict(
            config=runner.cfg.filename,
            work_dir=runner.work_dir,
            data=data,
            command=shlex.join(['python', *sys.argv]),
            trained=dict(
                epochs=runner.epoch,
                iterations=runner.iter,
                seconds=round(time.time() - (self.started or time.time()), 1),
                device=str(next(runner.model.parameters()).device),
                hardware=hardware(runner.world_size)),
            best=best,
            last_metrics=self.last_metrics,
            checkpoint=checkpoint,
            pictures=sorted(
                osp.relpath(p, runner.work_dir)
                for p in glob(osp.join(runner.work_dir, '**', '*.png'), recursive=True)),
            commands=dict(
                test=f'python tools/test.py {runner.cfg.filename} {checkpoint}',
                infer=f'python tools/infer.py {runner.cfg.filename} {checkpoint} IMAGES',
                export=f'python tools/deployment/export_onnx.py {runner.cfg.filename} '
                f'{checkpoint} --out DIR'))


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
        f'- trained: {trained["epochs"]} epochs, {trained["iterations"]} iterations in '
        f'{trained["seconds"]:.0f} s on {trained["device"]} ({trained["hardware"]})',
        f'- best: {", ".join(f"{k} {v:.4g}" for k, v in summary["best"].items()) or "-"}'
        f' (`{summary["checkpoint"]}`)', '', '| last validation metric | value |', '|---|---|'
    ]
    lines += [f'| {k} | {v:.4g} |' for k, v in summary['last_metrics'].items()]
    lines += ['', '## Pictures and curves', '']
    lines += [f'- [{p}]({p})' for p in summary['pictures']] or ['- none']
    lines += ['', '## Next', '', '```bash', *summary['commands'].values(), '```', '']
    return '\n'.join(lines)


@HOOKS.register_module()
class ConsoleProgressHook(Hook):
    """What the console shows of a run (the log file keeps mmengine's full log): a
    progress bar for each epoch (or each validation interval of an iteration-based loop)
    with the loss, the learning rate and the time left, and one line of metrics for each
    validation. Not on a terminal (CI, a pipe): no bar, one line a span with its
    validation's metrics on it, as Keras prints them. Silent with ``verbose=True``
    (mmengine's own lines are on the console then)."""

    priority = 'BELOW_NORMAL'

    def __init__(self, refresh_s=0.5, metrics_shown=8):
        self.refresh_s, self.metrics_shown = refresh_s, metrics_shown
        self.bar, self.span, self.outputs, self.shown_at = None, None, None, 0.0
        self.pending = None  # off a terminal: a span's line, waiting for its validation

    def _on(self, runner):
        return is_main_process() and not runner.cfg.get('verbose', False)

    @staticmethod
    def _by_epoch(runner):
        from mmengine.runner import EpochBasedTrainLoop
        return isinstance(runner.train_loop, EpochBasedTrainLoop)

    def _start(self, runner):
        """A bar (or, off a terminal, a timer) for this epoch or validation interval."""
        loop = runner.train_loop
        if self._by_epoch(runner):
            first, total = runner.iter, len(loop.dataloader)
            label = f'epoch {runner.epoch + 1}/{loop.max_epochs}'
        else:
            interval = min(getattr(loop, 'val_interval', loop.max_iters), loop.max_iters)
            first = runner.iter
            total = min(interval - runner.iter % interval, loop.max_iters - runner.iter)
            label = f'iter {first + total}/{loop.max_iters}'
        self.span = (first, total, label, time.time())
        self.bar = sys.stderr.isatty()

    def _status(self, runner):
        loss = (self.outputs or {}).get('loss')
        lr = runner.optim_wrapper.get_lr()
        lr = next(iter(lr.values()))[0] if lr else float('nan')
        return (f'loss {float(loss.detach()):.4g}, ' if loss is not None else '') + f'lr {lr:.3g}'

    def _draw(self, runner, done, end=''):
        """The bar, redrawn in place: ``label [#####.....] done/total status time``."""
        first, total, label, started = self.span
        elapsed = time.time() - started
        left = elapsed / max(done, 1) * (total - done)
        filled = int(24 * done / max(total, 1))
        timing = f'{elapsed:.0f} s' if done >= total else f'{left:.0f} s left'
        sys.stderr.write(f'\r{label} [{"#" * filled}{"." * (24 - filled)}] {done}/{total} '
                         f'{self._status(runner)}, {timing}\x1b[K{end}')
        sys.stderr.flush()

    def _finish(self, runner):
        if self.span is None:
            return
        first, total, label, started = self.span
        if self.bar:
            self._draw(runner, total, end='\n')
        else:
            self.pending = f'{label}: {self._status(runner)}, {time.time() - started:.0f} s'
        self.bar, self.span = None, None

    def _flush(self):
        if self.pending:
            print(self.pending, flush=True)
        self.pending = None

    def before_train_epoch(self, runner):
        self._flush()  # no validation came after the last epoch
        if self._on(runner) and self._by_epoch(runner):
            self._start(runner)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._on(runner) and not self._by_epoch(runner) and self.span is None:
            self._flush()
            self._start(runner)

    def after_train(self, runner):
        self._flush()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.span is None:
            return
        self.outputs = outputs
        first, total = self.span[:2]
        now = time.time()
        if self.bar and now - self.shown_at >= self.refresh_s:  # the loss waits for the GPU
            self._draw(runner, runner.iter + 1 - first)
            self.shown_at = now
        if not self._by_epoch(runner) and runner.iter + 1 >= first + total:
            self._finish(runner)

    def after_train_epoch(self, runner):
        self._finish(runner)

    def _metrics(self, metrics):
        shown = [(k, v) for k, v in (metrics or {}).items() if isinstance(v, numbers.Real)]
        more = len(shown) - self.metrics_shown
        text = ', '.join(f'{k} {float(v):.4g}' for k, v in shown[:self.metrics_shown])
        return text + (f' (+{more} more in the log)' if more > 0 else '')

    def after_val_epoch(self, runner, metrics=None):
        if not self._on(runner):
            return
        if self.pending:
            print(f'{self.pending} | val: {self._metrics(metrics)}', flush=True)
            self.pending = None
        else:
            where = f'epoch {runner.epoch}' if self._by_epoch(runner) else f'iter {runner.iter}'
            print(f'val {where}: {self._metrics(metrics)}', flush=True)
