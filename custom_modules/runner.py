"""The runner of every zoo config (``runner_type`` in the runtime bases): mmengine's
``Runner`` plus two checks and options that must act at build time."""
import torch
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .errors import ZooError


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
    """

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
        return super().train()

    def wrap_model(self, model_wrapper_cfg, model):
        if self.cfg.get('channels_last', False):
            model = model.to(memory_format=torch.channels_last)
        return super().wrap_model(model_wrapper_cfg, model)
