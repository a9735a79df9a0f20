"""Speed options for training and benchmarking, off by default where they change numerics.

``--amp`` (bf16 autocast where the GPU has it) lives in ``tools/train.py``; here:
channels-last memory format, ``torch.compile`` (mmengine's ``compile`` option),
``cudnn.benchmark``, and persistent, pinned dataloader workers.
"""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Store the model's 4-D weights channels-last (NHWC); convolutions then produce
    channels-last activations. Faster on GPUs with tensor cores; same numbers up to
    floating-point summation order."""

    priority = 'VERY_HIGH'

    def before_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        model.to(memory_format=torch.channels_last)


def add_speed_args(parser):
    parser.add_argument('--channels-last', action='store_true',
                        help='channels-last (NHWC) weights and activations')
    parser.add_argument('--compile', action='store_true',
                        help="torch.compile the model (mmengine's compile option)")
    parser.add_argument('--cudnn-benchmark', action='store_true',
                        help='let cuDNN pick the fastest kernels (fixed image sizes)')
    parser.add_argument('--fast-loaders', action='store_true',
                        help='persistent workers and pinned memory in every dataloader')


def apply_speed_options(cfg, args):
    """Turn the chosen options of :func:`add_speed_args` on in ``cfg``."""
    if args.channels_last:
        cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(type='ChannelsLastHook')]
    if args.compile:
        cfg.compile = True
    if args.cudnn_benchmark:
        cfg.env_cfg.cudnn_benchmark = True
    if args.fast_loaders:
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg.get(name)
            if loader and loader.get('num_workers', 0) > 0:
                loader.update(persistent_workers=True, pin_memory=True)
