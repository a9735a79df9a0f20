"""Inference speed and accuracy on the CPU, side by side in one process: eager PyTorch
(``test_step`` of the training stack), ONNX Runtime fp32 and ONNX Runtime int8 (the
exported models, with the torch-free runtime's pre- and post-processing), for every demo
config of every family.

    python tools/analysis_tools/benchmark_inference.py [--work-dirs work_dirs] [--iters 50]
        [--threads N] [--calib 100] [--untrained] [--configs CONFIG ...]
        [--out work_dirs/benchmark_inference.json]

The weights: each config's best checkpoint in ``--work-dirs/<config name>/`` (what
``tools/run_demo.sh`` trains), else its latest; ``--untrained`` times the initial weights
instead (speed only: their metric means nothing). The int8 model is exported as
``export_onnx.py --int8`` makes it (``--calib`` training inputs), whatever it loses.

Batch 1: median latency of ``--iters`` runs; batch 16: images per second. Each side does
its pre-processing (normalisation, and for ONNX Runtime the resize too) and its
post-processing (boxes, masks, probabilities), from the same decoded images of the test
split. The metric of each side: the test split predicted through the runtime's pre- and
post-processing and scored by the config's test_evaluator (``custom_modules.export.quality``).
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import statistics
import tempfile
import time

import cv2
import torch

from custom_modules import families
from custom_modules.cli import clean_errors, load_config
from custom_modules.deploy import OnnxNetwork, Predictor, load_spec
from custom_modules.errors import ZooError
from custom_modules.export.onnx_export import export_onnx, model_config, torch_predictor
from custom_modules.export.parity import config_images, test_batcher
from custom_modules.export.quality import test_metrics
from custom_modules.export.quantize import export_int8

PRECISIONS = ('fp32', 'int8')


def demo_configs():
    return [c for facts in families.families().values() for c in facts['demo_configs']]


def random_checkpoint(cfg, folder):
    """The config's model at its initial weights, saved as a checkpoint."""
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope(cfg.default_scope)
    model = MODELS.build(model_config(cfg))
    model.init_weights()
    path = osp.join(folder, 'init.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(cfg=cfg.pretty_text)), path)
    return path


def trained_checkpoint(config, work_dirs):
    """The best checkpoint of ``config``'s demo run, else its latest."""
    folder = osp.join(work_dirs, osp.splitext(osp.basename(config))[0])
    found = sorted(glob.glob(osp.join(folder, 'best_*.pth')), key=osp.getmtime) or \
        sorted(glob.glob(osp.join(folder, '*.pth')), key=osp.getmtime)
    if not found:
        raise ZooError(f'{folder} holds no checkpoint: train the demo first (bash '
                       'tools/run_demo.sh), give --work-dirs, or time --untrained weights')
    return found[-1]


def timed(fn, iters, warmup=3):
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def measure(config, checkpoint, iters, calib, threads, folder):

    class Args:
        pass

    args = Args()
    args.config, args.cfg_options = config, {}
    cfg = load_config(args)
    model_dir = osp.join(folder, osp.splitext(osp.basename(config))[0])
    _, module = export_onnx(cfg, checkpoint or random_checkpoint(cfg, folder), model_dir)
    export_int8(cfg, model_dir, calib, max_loss=float('inf'))
    model, spec = module.model, load_spec(model_dir)
    images = [cv2.imread(p) for p in config_images(cfg, 16)]
    images = (images * 16)[:16]
    batch = test_batcher(cfg)
    one, sixteen = batch(images[:1], ['x.png']), batch(images, ['x.png'] * 16)
    result = dict(config=config, checkpoint=checkpoint, task=spec['task'])
    with torch.no_grad():
        result['eager_batch1_ms'] = 1000 * timed(lambda: model.test_step(one), iters)
        result['eager_batch16_img_s'] = 16 / timed(lambda: model.test_step(sixteen),
                                                   max(iters // 5, 3))
    predictors = {}
    for precision in PRECISIONS:
        network = OnnxNetwork(model_dir, spec, threads, precision)
        single, batched = Predictor(spec, network), Predictor(spec, network, batch_size=16)
        result[f'{precision}_batch1_ms'] = 1000 * timed(lambda: single.predict(images[0]), iters)
        result[f'{precision}_batch16_img_s'] = 16 / timed(lambda: batched.predict_many(images),
                                                          max(iters // 5, 3))
        predictors[precision] = single
    if checkpoint:
        predictors['eager'] = torch_predictor(cfg, checkpoint)
        result['metrics'] = test_metrics(cfg, predictors)
    return result


def table(results):
    lines = [
        '| config | task | metric: eager / fp32 / int8 | batch 1 (ms): eager / fp32 / int8 | '
        'int8 vs eager | batch 16 (img/s): eager / fp32 / int8 | int8 vs eager |', '|---' * 7 + '|'
    ]
    for r in results:
        metrics = r.get('metrics')
        scores = '; '.join(f'{name} ' + ' / '.join(f'{metrics[s][name]:.1f}'
                                                   for s in ('eager', *PRECISIONS))
                           for name in metrics['eager']) if metrics else 'untrained'
        lines.append(f'| {osp.splitext(osp.basename(r["config"]))[0]} | {r["task"]} | {scores} | ' +
                     ' / '.join(f'{r[s + "_batch1_ms"]:.2f}' for s in ('eager', *PRECISIONS)) +
                     f' | {r["eager_batch1_ms"] / r["int8_batch1_ms"]:.1f}x | ' +
                     ' / '.join(f'{r[s + "_batch16_img_s"]:.0f}' for s in ('eager', *PRECISIONS)) +
                     f' | {r["int8_batch16_img_s"] / r["eager_batch16_img_s"]:.1f}x |')
    return '\n'.join(lines)


@clean_errors
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', help='default: every demo config')
    parser.add_argument('--work-dirs', default='work_dirs')
    parser.add_argument('--untrained', action='store_true')
    parser.add_argument('--iters', type=int, default=50)
    parser.add_argument('--calib', type=int, default=100)
    parser.add_argument('--threads', type=int, help='torch and ONNX Runtime threads')
    parser.add_argument('--out', default='work_dirs/benchmark_inference.json')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    configs = args.configs or demo_configs()
    checkpoints = [
        None if args.untrained else trained_checkpoint(c, args.work_dirs) for c in configs
    ]
    with tempfile.TemporaryDirectory() as folder:
        results = [
            measure(config, checkpoint, args.iters, args.calib, args.threads, folder)
            for config, checkpoint in zip(configs, checkpoints)
        ]
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(
                machine=platform.processor() or platform.machine(),
                cpus=os.cpu_count(),
                torch_threads=torch.get_num_threads(),
                results=results),
            f,
            indent=1)
    print(table(results))
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
