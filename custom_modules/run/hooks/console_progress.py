"""What the console shows of a run: a progress bar a span, a line of metrics a validation."""
import numbers
import sys
import time

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


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
