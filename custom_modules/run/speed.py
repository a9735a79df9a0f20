"""Speed options for training and benchmarking, off by default where they change numerics:
mixed precision (``--amp``), channels-last memory format, ``torch.compile`` (mmengine's
``compile`` option), ``cudnn.benchmark``, and persistent, pinned dataloader workers."""
import torch

from ..errors import ZooError


def add_speed_args(parser):
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: bf16 autocast without a loss scaler where the '
        'GPU has bf16, else fp16 with dynamic loss scaling')
    parser.add_argument(
        '--channels-last', action='store_true', help='channels-last (NHWC) weights and activations')
    parser.add_argument(
        '--compile',
        action='store_true',
        help="torch.compile the model (mmengine's compile option)")
    parser.add_argument(
        '--cudnn-benchmark',
        action='store_true',
        help='let cuDNN pick the fastest kernels (fixed image sizes)')
    parser.add_argument(
        '--fast-loaders',
        action='store_true',
        help='persistent workers and pinned memory in every dataloader')


def amp_dtype(device='cuda'):
    """The mixed-precision dtype ``--amp`` uses on ``device``: bf16 where the device has
    it, else fp16 (CUDA only)."""
    if device == 'cuda' and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def use_amp(optim_wrapper, device='cuda'):
    """Switch an ``optim_wrapper`` config to mixed precision on ``device``: bf16 autocast
    and no loss scaler (:class:`Bf16OptimWrapper`), or fp16 autocast with dynamic loss
    scaling where the GPU has no bf16 (:class:`FiniteAmpOptimWrapper`)."""
    if amp_dtype(device) == torch.bfloat16:
        optim_wrapper.type = 'Bf16OptimWrapper'
    else:
        optim_wrapper.update(type='FiniteAmpOptimWrapper', dtype='float16', loss_scale='dynamic')


def apply_speed_options(cfg, args, device='cuda'):
    """Turn the chosen options of :func:`add_speed_args` on in ``cfg``; ``--amp`` and
    ``--channels-last`` need a runner of type ``ZooRunner`` (the runtime bases set it)."""
    if args.amp:
        if device == 'cuda' and not torch.cuda.is_available():
            raise ZooError('--amp needs a CUDA GPU and none is visible; drop --amp to train '
                           'in full precision on the CPU')
        use_amp(cfg.optim_wrapper, device)
    if args.channels_last:
        cfg.channels_last = True  # applied by ZooRunner before the model is wrapped (DDP)
    if args.compile:
        cfg.compile = True
    if args.cudnn_benchmark:
        cfg.env_cfg.cudnn_benchmark = True
    if args.fast_loaders:
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg.get(name)
            if loader and loader.get('num_workers', 0) > 0:
                loader.update(persistent_workers=True, pin_memory=True)
