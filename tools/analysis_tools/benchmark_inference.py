"""Inference speed on the CPU, side by side in one process: eager PyTorch (``test_step`` of
the training stack) against ONNX Runtime (the exported model, with the torch-free
runtime's pre- and post-processing), for every family's demo config.

    python tools/analysis_tools/benchmark_inference.py [--iters 50] [--threads N]
        [--out work_dirs/benchmark_inference.json]

Batch 1: median latency of ``--iters`` runs; batch 16: images per second, each side with
its pre-processing (normalisation, and for ONNX Runtime the resize too) and its
post-processing (boxes, masks, probabilities). The weights
are the configs' initial ones (speed does not depend on them; detection is timed with
``score_thr`` as configured, so the post-processing sees the boxes an untrained model
gives). Both sides start from the same decoded images of the demo val split.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import tempfile
import time

import cv2
import torch

from custom_modules import families
from custom_modules.cli import load_config
from custom_modules.deploy import OnnxNetwork, Predictor, load_spec
from custom_modules.export.onnx_export import export_onnx, model_config
from custom_modules.export.parity import test_batcher

FAMILIES = {name: facts['demo_configs'][0] for name, facts in families.families().items()}


def images_of(cfg, n):
    from custom_modules.export.parity import config_images
    return [cv2.imread(p) for p in config_images(cfg, n)]


def random_checkpoint(cfg, folder):
    """The config's model at its initial weights, saved as a checkpoint."""
    from mmengine.registry import MODELS, init_default_scope
    init_default_scope(cfg.default_scope)
    model = MODELS.build(model_config(cfg))
    model.init_weights()
    path = osp.join(folder, 'init.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(cfg=cfg.pretty_text)), path)
    return path


def timed(fn, iters, warmup=3):
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def measure(name, config, iters, folder):

    class Args:
        pass

    args = Args()
    args.config, args.cfg_options = config, {}
    cfg = load_config(args)
    checkpoint = random_checkpoint(cfg, folder)
    model_dir = osp.join(folder, name)
    spec, module = export_onnx(cfg, checkpoint, model_dir)
    model = module.model
    spec = load_spec(model_dir)
    predictor = Predictor(spec, OnnxNetwork(model_dir, spec))
    batched = Predictor(spec, predictor.network, batch_size=16)
    images = images_of(cfg, 16)
    batch = test_batcher(cfg)
    one, sixteen = batch(images[:1], ['x.png']), batch(images[:16], ['x.png'] * 16)
    result = {}
    with torch.no_grad():
        result['pytorch_batch1_ms'] = 1000 * timed(lambda: model.test_step(one), iters)
        result['pytorch_batch16_img_s'] = 16 / timed(lambda: model.test_step(sixteen),
                                                     max(iters // 5, 3))
    result['onnxruntime_batch1_ms'] = 1000 * timed(lambda: predictor.predict(images[0]), iters)

    result['onnxruntime_batch16_img_s'] = 16 / timed(lambda: batched.predict_many(images[:16]),
                                                     max(iters // 5, 3))
    result['speedup_batch1'] = result['pytorch_batch1_ms'] / result['onnxruntime_batch1_ms']
    result[
        'speedup_batch16'] = result['onnxruntime_batch16_img_s'] / result['pytorch_batch16_img_s']
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=50)
    parser.add_argument('--threads', type=int, help='torch and ONNX Runtime threads')
    parser.add_argument('--out', default='work_dirs/benchmark_inference.json')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, config in FAMILIES.items():
            results[name] = dict(config=config, **measure(name, config, args.iters, folder))
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(torch_threads=torch.get_num_threads(), cpus=os.cpu_count(), results=results),
            f,
            indent=1)
    print('| family | PyTorch batch 1 (ms) | ONNX Runtime batch 1 (ms) | speed-up | '
          'PyTorch batch 16 (img/s) | ONNX Runtime batch 16 (img/s) | speed-up |')
    print('|---|---|---|---|---|---|---|')
    for name, r in results.items():
        print(f'| {name} | {r["pytorch_batch1_ms"]:.2f} | {r["onnxruntime_batch1_ms"]:.2f} | '
              f'{r["speedup_batch1"]:.2f}x | {r["pytorch_batch16_img_s"]:.0f} | '
              f'{r["onnxruntime_batch16_img_s"]:.0f} | {r["speedup_batch16"]:.2f}x |')
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
