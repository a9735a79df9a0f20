"""Measure a config's speed, side by side in one process, and print a table plus JSON.

    python tools/analysis_tools/benchmark.py CONFIG [--device cpu|cuda] [--amp]
        [--batch N] [--iters N] [--warmup N] [--workers 0 2] [--channels-last]
        [--compile] [--cudnn-benchmark] [--out result.json] [--cfg-options k=v ...]

``--amp`` is what ``tools/train.py --amp`` does (bf16 autocast without a loss scaler, or
fp16 with dynamic loss scaling on GPUs without bf16; bf16 on the CPU), and the plain loop
does the same.

Throughput in images/s, after ``--warmup`` iterations:

- ``runner``: training through the mmengine runner (hooks, logging, optimizer wrapper,
  data preprocessor), fed one cached batch, so that only the framework differs from...
- ``plain``: the very ``nn.Module`` the config builds, trained by a minimal PyTorch loop
  (preprocess, forward, backward, step) on the same batch with the same optimizer;
- ``runner_end_to_end``: the runner with its real dataloader (``--workers`` first value);
- ``inference``: ``model.test_step`` on the batch, no gradients;
- ``data``: the training dataloader alone, per worker count.

``ratio`` is runner / plain: 1.0 means no framework tax. Absolute numbers on shared CPUs
are noise; compare ratios measured in the same run.
"""
import argparse
import copy
import functools
import json
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.utils import import_modules_from_strings  # noqa: E402

from custom_modules.cli import build_runner, clean_errors, load_config, prepare_run  # noqa: E402
from custom_modules.errors import ZooError  # noqa: E402
from custom_modules.run.speed import add_speed_args, amp_dtype, apply_speed_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--batch', type=int, help='batch size (default: the config\'s)')
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument(
        '--workers',
        type=int,
        nargs='+',
        default=[0, 2],
        help='dataloader worker counts to time the data pipeline with')
    parser.add_argument('--out', help='also write the JSON here')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'benchmark'))
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    add_speed_args(parser)
    args = parser.parse_args()
    return args


def _sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


class _CachedBatches:
    """A 'dataloader' yielding one collated batch ``length`` times, with the dataset's
    metainfo (hooks read it)."""

    def __init__(self, batch, dataset, length):
        self.batch, self.length = batch, length
        attributes = dict(metainfo=getattr(dataset, 'metainfo', {}), __len__=lambda _: length)
        self.dataset = type('CachedDataset', (), attributes)()

    def __iter__(self):
        return (self.batch for _ in range(self.length))

    def __len__(self):
        return self.length


class _StopwatchHook(Hook):
    """Times training iterations ``warmup`` .. end."""

    priority = 'LOWEST'

    def __init__(self, warmup, device):
        self.warmup, self.device, self.start, self.end = warmup, device, None, None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.warmup:
            _sync(self.device)
            self.start = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        _sync(self.device)
        self.end = time.perf_counter()


def batch_size_of(batch):
    return len(batch['data_samples'])


def first_view(batch):
    """A batch of several views per image (a list of batched tensors) cut to its first
    view, for inference; other batches unchanged."""
    inputs = batch['inputs']
    if isinstance(inputs, (list, tuple)) and inputs and getattr(inputs[0], 'dim', None) \
            and inputs[0].dim() == 4:
        return dict(batch, inputs=inputs[0])
    return batch


def prepare_config(args):
    cfg = load_config(args)
    prepare_run(cfg, args, ['train_dataloader'])
    apply_speed_options(cfg, args, device=args.device)
    loader = cfg.train_dataloader
    if args.batch:
        loader.batch_size = args.batch
        if 'batch_size' in loader.sampler:  # samplers that shape batches (ssimrecog)
            loader.sampler.batch_size = args.batch
    loader.update(num_workers=args.workers[0], persistent_workers=False)
    if loader.sampler.get('type') == 'DefaultSampler':
        # an infinite one: the iteration-based loop below sleeps 2 s at every epoch end
        # (mmengine's _InfiniteDataloaderIterator), which epoch-based training does not
        loader.sampler = dict(type='InfiniteSampler', shuffle=loader.sampler.get('shuffle', True))
    total = args.warmup + args.iters
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=total, val_interval=total + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.log_level = 'WARNING'
    import_modules_from_strings(**cfg.get('custom_imports', {}))
    init_default_scope(cfg.default_scope)  # for the dataloaders built outside a runner
    return cfg


def runner_for(cfg, loader=None):
    """A runner whose optimizer wrapper is built now (so a plain loop can share it);
    ``loader`` replaces the config's dataloader."""
    runner = build_runner(cfg)
    if loader is not None:
        runner._train_dataloader = loader  # before train() builds its loop
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    return runner


def time_runner(runner, args):
    """Seconds of ``runner.train()``'s iterations ``warmup`` .. end."""
    stopwatch = _StopwatchHook(args.warmup, args.device)
    runner.register_hook(stopwatch)
    runner.train()
    return stopwatch.end - stopwatch.start


class PlainLoop:
    """One training step in plain PyTorch, with the runner's precision: autocast to
    ``dtype`` (None: full precision), a ``GradScaler`` for fp16, and the optimizer
    wrapper's gradient clipping if the config has one. The hooks' work (e.g. a mean
    teacher's EMA) counts as the runner's."""

    def __init__(self, model, optim_wrapper, dtype):
        self.model, self.optimizer, self.dtype = model, optim_wrapper.optimizer, dtype
        self.clip = optim_wrapper.clip_grad_kwargs and functools.partial(
            optim_wrapper.clip_func, **optim_wrapper.clip_grad_kwargs)
        self.device = next(model.parameters()).device.type
        self.scaler = torch.amp.GradScaler(self.device) if dtype == torch.float16 else None

    def step(self, batch):
        with torch.autocast(self.device, dtype=self.dtype, enabled=self.dtype is not None):
            data = self.model.data_preprocessor(batch, True)
            losses = self.model(**data, mode='loss')
        loss = sum(v.sum() if isinstance(v, torch.Tensor) else sum(x.sum() for x in v)
                   for k, v in losses.items() if 'loss' in k)
        self.optimizer.zero_grad()
        if self.scaler:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        if self.clip:
            self.clip([p for p in self.model.parameters() if p.grad is not None])
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()


def time_loop(step, warmup, iters, device):
    for _ in range(warmup):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    _sync(device)
    return time.perf_counter() - start


def time_data(cfg, workers, batches):
    """Images/s of the training dataloader alone with ``workers`` processes."""
    loader_cfg = dict(cfg.train_dataloader.to_dict(), num_workers=workers, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    iterator = iter(loader)
    batch = next(iterator)  # start-up excluded
    start, images = time.perf_counter(), 0
    for _ in range(min(batches, len(loader) - 1)):  # within one epoch
        images += batch_size_of(batch)
        batch = next(iterator)
    return images / (time.perf_counter() - start)


def measure(args):
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise ZooError('--device cuda: no CUDA GPU is visible')
    cfg = prepare_config(args)
    probe = Runner.build_dataloader(dict(cfg.train_dataloader.to_dict(), num_workers=0), seed=0)
    batch = next(iter(probe))
    images = batch_size_of(batch)
    total = args.warmup + args.iters
    per_second = lambda seconds: images * args.iters / seconds  # noqa: E731

    runner = runner_for(cfg, _CachedBatches(batch, probe.dataset, total))
    model, optimizer = runner.model, runner.optim_wrapper.optimizer
    dtype = amp_dtype(args.device) if args.amp else None
    loop = PlainLoop(model, runner.optim_wrapper, dtype)
    model.init_weights()  # as runner.train() would (e.g. RetinaNet's classifier prior)
    start = copy.deepcopy((model.state_dict(), optimizer.state_dict()))

    def from_start():
        """Every timed phase starts from the same weights and optimizer state."""
        model.load_state_dict(start[0])
        optimizer.load_state_dict(start[1])

    def plain():
        from_start()
        model.train()
        return per_second(time_loop(lambda: loop.step(batch), args.warmup, args.iters, args.device))

    # the plain loop before and after the runner, against drift of the machine's speed
    result = dict(plain_before=plain())
    from_start()
    result.update(runner=per_second(time_runner(runner, args)), plain_after=plain())
    result['plain'] = (result['plain_before'] + result['plain_after']) / 2
    result['ratio'] = result['runner'] / result['plain']
    model.eval()
    test_batch = first_view(batch)
    with torch.no_grad(), torch.autocast(args.device, dtype=dtype, enabled=args.amp):
        result['inference'] = per_second(
            time_loop(lambda: model.test_step(test_batch), args.warmup, args.iters, args.device))
    result['runner_end_to_end'] = per_second(time_runner(runner_for(prepare_config(args)), args))
    result['data'] = {str(w): time_data(cfg, w, args.iters) for w in args.workers}
    return dict(
        config=args.config,
        device=args.device,
        amp=str(dtype).replace('torch.', '') if dtype else False,
        batch=images,
        iters=args.iters,
        warmup=args.warmup,
        torch=torch.__version__,
        gpu=torch.cuda.get_device_name() if args.device == 'cuda' else None,
        images_per_s=result)


def table(report):
    r = report['images_per_s']
    rows = [('training, runner (cached batch)', r['runner']),
            ('training, plain PyTorch loop (mean of before and after)', r['plain']),
            ('training, runner with its dataloader', r['runner_end_to_end']),
            ('inference', r['inference']),
            *((f'data pipeline, {w} worker(s)', v) for w, v in r['data'].items())]
    lines = [
        f"{report['config']} on {report['device']}, batch {report['batch']}, "
        f"amp {report['amp']}", '| measurement | images/s |', '|---|---|'
    ]
    lines += [f'| {name} | {value:.1f} |' for name, value in rows]
    lines.append(f"| **runner / plain** | **{r['ratio']:.3f}** |")
    return '\n'.join(lines)


@clean_errors
def main():
    args = parse_args()
    report = measure(args)
    print(table(report))
    print(json.dumps(report))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
