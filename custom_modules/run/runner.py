"""The runner of every zoo config (``runner_type`` in the runtime bases): mmengine's
``Runner`` plus two checks and options that must act at build time."""
import logging
import sys

import torch
from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import BaseLoop, Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from .. import compat
from ..checkpoints import (check_checkpoint_fits, checkpoint_backend_args,
                           find_resumable_checkpoint, read_checkpoint, resolve_checkpoint)
from ..checkpoints.pretrained import loading_quietly, pretrained_inits, summary_line
from ..errors import ZooError
from ..run_folder import writing_to


def unwrap(model):
    """``model`` without its distributed wrapper (DDP), if it has one."""
    return model.module if is_model_wrapper(model) else model


@RUNNERS.register_module()
class ZooRunner(Runner):
    """mmengine's ``Runner``, and:

    - ``channels_last=True`` in the config stores the model's 4-D weights channels-last
      (NHWC), so that convolutions produce channels-last activations (faster on GPUs with
      tensor cores; same numbers up to summation order). The conversion happens before
      DDP wraps the model: DDP lays out its gradient buckets after the parameters it is
      given, and a model converted later would have every gradient copied between layouts
      at every step ("Grad strides do not match bucket view strides").
    - a model class may name hooks it cannot train without (``required_hooks``); training
      without them stops before the first step.
    - the console shows warnings and errors (but not mmengine's notices about its own
      deprecated ``FileClient``), the progress bars and metric lines of
      ``ConsoleProgressHook``; the log file keeps everything (``verbose=True``, the tools'
      ``--verbose``: everything on the console too, as mmengine prints it);
    - a checkpoint to resume, test or fine-tune from is checked against the model before
      it is loaded (:func:`check_checkpoint_fits`); ``--resume`` into a work dir without a
      checkpoint is an error, unless ``resume='if-any'`` (``--auto-resume``), and takes
      the newest whole checkpoint (:func:`find_resumable_checkpoint`);
    - checkpoints are written whole or not at all (:class:`AtomicLocalBackend` for a local
      work dir, unless the checkpoint hook names another backend).

    Building one applies the zoo's upstream workarounds (:func:`compat.apply`).
    """

    def __init__(self, *args, **kwargs):
        compat.apply()
        super().__init__(*args, **kwargs)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        if not self.cfg.get('verbose', False):
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler and handler.stream is sys.stdout:
                    handler.setLevel(max(handler.level, logging.WARNING))
                    handler.addFilter(compat.UpstreamDeprecationsOffTheConsole())
        return logger

    def train(self):
        """Train, after checking that the model has the hooks it names in
        ``required_hooks`` (e.g. a mean teacher's EMA hook): without them it would train
        silently wrong."""
        model = unwrap(self.model)
        hooks = {type(hook).__name__ for hook in self.hooks}
        missing = [name for name in getattr(model, 'required_hooks', ()) if name not in hooks]
        if missing:
            raise ZooError(f'{type(model).__name__} trains only with {", ".join(missing)}: add ' +
                           ', '.join(f"dict(type='{name}')"
                                     for name in missing) + ' to custom_hooks')
        with writing_to(self.log_dir):
            return super().train()

    def val(self):
        """mmengine's, with the run's reports (samples skipped as bad, metric data) in its
        log folder."""
        with writing_to(self.log_dir):
            return super().val()

    def test(self):
        """mmengine's, with the run's reports (samples skipped as bad, metric data) in its
        log folder."""
        with writing_to(self.log_dir):
            return super().test()

    def _init_model_weights(self):
        """mmengine's, with one console line a pretrained module instead of its loader's
        messages (:mod:`custom_modules.checkpoints.pretrained`; the log file keeps them all)."""
        model = unwrap(self.model)
        inits = pretrained_inits(model)
        if not inits or self.cfg.get('verbose', False):
            return super()._init_model_weights()
        with loading_quietly(self.logger) as reports:
            super()._init_model_weights()
        if is_main_process():
            for name, module, checkpoint, prefix in inits:
                print(summary_line(name, module, checkpoint, prefix, reports), flush=True)

    def wrap_model(self, model_wrapper_cfg, model):
        if self.cfg.get('channels_last', False):
            model = model.to(memory_format=torch.channels_last)
        return super().wrap_model(model_wrapper_cfg, model)

    _fit_purpose = 'exact'  # what load_checkpoint checks a checkpoint for

    def load_or_resume(self):
        """mmengine's choice of checkpoint, checked as it is loaded (:meth:`load_checkpoint`):
        resuming and testing need the checkpoint of this model, fine-tuning (``load_from``
        when training) most of it."""
        if self._has_loaded:
            return
        self._fit_purpose = 'exact'
        if self._resume:
            path = self._load_from or find_resumable_checkpoint(self.work_dir)
            if path is None and self._resume == 'if-any':
                self.logger.info(f'no checkpoint in {self.work_dir} yet: training starts fresh')
                self._resume = False
            elif path is None:
                raise ZooError(f'--resume: no checkpoint in {self.work_dir} to resume from; '
                               'check --work-dir, or use --auto-resume to start fresh when '
                               'there is none')
            else:
                self.resume(path)
                self._has_loaded = True
                return
        if self._load_from is not None:
            self._load_from = resolve_checkpoint(self._load_from)  # a URL: fetched, checked
            if isinstance(self._train_loop, BaseLoop):
                self._fit_purpose = 'fine-tune'
            self.load_checkpoint(self._load_from)
            self._has_loaded = True

    def load_checkpoint(self, filename, map_location='cpu', strict=False, revise_keys=None):
        """mmengine's, reading the file once (it was read twice: our fit check, then
        mmengine's load), safely (``weights_only``), and checked to fit before any weight
        is loaded (:func:`check_checkpoint_fits`). Resuming comes through here too."""
        checkpoint = read_checkpoint(filename, map_location)
        model = unwrap(self.model)
        check_checkpoint_fits(checkpoint, model, self._fit_purpose, path=filename)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys or [(r'^module.', '')])
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self, filename, *args, **kwargs):
        """mmengine's, then one line on the console saying what the run continues from
        (mmengine said only "Loads checkpoint by local backend", then showed a later epoch)."""
        super().resume(filename, *args, **kwargs)
        if is_main_process():
            loop = self.train_loop
            if hasattr(loop, 'max_epochs'):
                where = f'epoch {loop.epoch} of {loop.max_epochs} done, iteration {loop.iter}'
            else:
                where = f'iteration {loop.iter} of {loop.max_iters} done'
            print(f'resumed from {filename} ({where}); training continues from there', flush=True)

    def save_checkpoint(self,
                        out_dir,
                        filename,
                        file_client_args=None,
                        *args,
                        backend_args=None,
                        **kwargs):
        """mmengine's, writing to a local work dir through :class:`AtomicLocalBackend`."""
        if file_client_args is None:
            backend_args = checkpoint_backend_args(backend_args, out_dir)
        return super().save_checkpoint(
            out_dir, filename, file_client_args, *args, backend_args=backend_args, **kwargs)
