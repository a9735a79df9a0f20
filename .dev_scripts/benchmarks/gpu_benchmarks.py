"""Benchmark every family next to its plain-PyTorch reference and write one table.

    python .dev_scripts/benchmarks/gpu_benchmarks.py [--device cuda] [--amp] [--batch 16]
        [--iters 20] [--warmup 5] [--workers 8] [--families ...] [--small]
        [--out-dir work_dirs/gpu_benchmarks]

For each family, ``benchmark.py`` measures our config (runner and plain loop on the same
module) and ``reference_benchmarks.py`` the reference of the same architecture at the same
image size, batch and precision. Demo data is generated at the benchmark's image size.
``--small`` shrinks everything for a CPU dry run. Writes ``<family>.json``,
``<family>_reference.json``, ``benchmarks.json`` and ``benchmarks.md`` to ``--out-dir``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from custom_modules import demo_data  # noqa: E402

R50_FPN = [
    'model.backbone.depth=50', 'model.neck.in_channels=[512,1024,2048]',
    'model.neck.out_channels=256', 'model.bbox_head.in_channels=256',
    'model.bbox_head.stacked_convs=4', 'model.bbox_head.feat_channels=256',
    'model.bbox_head.anchor_generator.octave_base_scale=4'
]
UNET_6 = [
    'model.backbone.depth=6', 'model.data_preprocessor.size_divisor=64',
    'model.decode_head.in_channels=[16,32,64,128,256,512,1024]'
]
# family: (config, demo data family, image size (full, small), our options, reference);
# ssimrecog keeps its own demo data and batch (8 labelled + 32 unlabelled images).
FAMILIES = {
    'imrecog': ('configs/imrecog/mobilenet-v2_1xb16-50e_nwpu11-224.py', 'imrecog', (224, 64), [
        'train_dataloader.dataset.classes=[marsh,pebbles,ripples,water]',
        'model.head.num_classes=4', 'data_preprocessor.num_classes=4',
        'train_dataloader.dataset.pipeline.1.scale=({size},{size})'
    ], 'mobilenetv2'),
    'objrecog':
    ('configs/objrecog/retinanet_r18-fpn_1xb8-12e_demo-people-128.py', 'objrecog', (800, 128),
     [*R50_FPN, 'train_dataloader.dataset.pipeline.2.scale=({size},{size})'], 'retinanet'),
    'imseg':
    ('configs/imseg/unet-4l_1xb8-15e_demo-shoreline-64.py', 'imseg', (512, 64), UNET_6, 'unet'),
    'ssimrecog':
    ('configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py', None,
     (64, 64), [], None),
}


def run_json(command, out):
    print('$ ' + ' '.join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO)
    with open(out) as f:
        return json.load(f)


def bench_family(family, args):
    config, data_family, sizes, options, reference = FAMILIES[family]
    size = sizes[1] if args.small else sizes[0]
    if data_family:
        root = osp.join(args.out_dir, f'data{size}')
        demo_data.generate(root, [data_family], size=size)
        options = [
            f'train_dataloader.dataset.data_root={osp.join(root, data_family)}/',
            *(o.format(size=size) for o in options)
        ]
    ours = run_json([
        sys.executable, 'tools/analysis_tools/benchmark.py', config, '--device', args.device,
        *(['--batch', str(args.batch)] if data_family else []), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), '--workers',
        str(args.workers), '--work-dir',
        osp.join(args.out_dir, 'work'), *(['--amp'] if args.amp else []), '--out',
        osp.join(args.out_dir, f'{family}.json'), *(['--cfg-options', *options] if options else [])
    ], osp.join(args.out_dir, f'{family}.json'))
    if reference is None:
        return ours, None
    ref_out = osp.join(args.out_dir, f'{family}_reference.json')
    ref = run_json([
        sys.executable, '.dev_scripts/benchmarks/reference_benchmarks.py', reference, '--device',
        args.device, '--batch',
        str(args.batch), '--size',
        str(size), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), *(['--amp'] if args.amp else []), '--out', ref_out
    ], ref_out)
    return ours, ref


def table(results):
    lines = [
        '| family | ours: runner | ours: plain loop, same module | runner / plain | '
        'reference | reference | ours / reference |', '|---|---|---|---|---|---|---|'
    ]
    for family, (ours, ref) in results.items():
        speeds = ours['images_per_s']
        ref_cells = (f"{ref['model']} | {ref['images_per_s']:.1f} | "
                     f"{speeds['runner'] / ref['images_per_s']:.2f}") if ref else '- | - | -'
        lines.append(f"| {family} | {speeds['runner']:.1f} | {speeds['plain']:.1f} | "
                     f"{speeds['ratio']:.3f} | {ref_cells} |")
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cuda')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--families', nargs='+', default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument('--small', action='store_true', help='tiny sizes: a CPU dry run')
    parser.add_argument('--out-dir', default='work_dirs/gpu_benchmarks')
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    results = {family: bench_family(family, args) for family in args.families}
    text = table(results)
    units = (f'images/s, {args.device}, batch {args.batch}, amp (bf16) {args.amp}, '
             f'{args.iters} timed iterations after {args.warmup}')
    with open(osp.join(args.out_dir, 'benchmarks.md'), 'w') as f:
        f.write(f'{units}\n\n{text}\n')
    with open(osp.join(args.out_dir, 'benchmarks.json'), 'w') as f:
        json.dump({k: dict(ours=o, reference=r) for k, (o, r) in results.items()}, f, indent=1)
    print(f'\n{units}\n{text}')


if __name__ == '__main__':
    main()
