"""Evaluate a trained checkpoint on its config's test split and print the metrics.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
        [--show-dir DIR] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse
import json
import os
import os.path as osp

from custom_modules.cli import (add_common_args, add_output_args, apply_output_options,
                                build_runner, clean_errors, load_config, prepare_run,
                                require_checkpoint)
from custom_modules.errors import ZooError


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a model of the zoo')
    parser.add_argument('config', help='test config file')
    parser.add_argument('checkpoint', help='checkpoint file or URL')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument('--show-dir', help='write prediction pictures to this folder')
    add_common_args(parser)
    add_output_args(parser)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


# Each toolbox names its visualisation hook's switches differently; all draw every image.
def _show_mmdet(hook, cfg, show_dir):
    hook.update(draw=True, interval=1, test_out_dir=osp.abspath(show_dir))


def _show_mmseg(hook, cfg, show_dir):
    hook.update(draw=True, interval=1)
    cfg.visualizer.save_dir = osp.abspath(show_dir)


def _show_mmpretrain(hook, cfg, show_dir):
    hook.update(enable=True, interval=1, out_dir=osp.abspath(show_dir))
    grid = cfg.default_hooks.get('prediction_grid')
    if grid:  # custom_modules.imrecog's grid of true/predicted labels
        grid.update(enable=True, out_dir=osp.abspath(show_dir))


SHOW = dict(
    DetVisualizationHook=_show_mmdet,
    SegVisualizationHook=_show_mmseg,
    VisualizationHook=_show_mmpretrain)


def enable_show(cfg, show_dir):
    hook = cfg.default_hooks.get('visualization')
    hook_type = hook and hook.get('type', '').split('.')[-1]
    if hook_type not in SHOW:
        raise ZooError(f'--show-dir: this config has no visualization hook we know '
                       f'(found {hook_type!r}, known: {", ".join(SHOW)})')
    SHOW[hook_type](hook, cfg, show_dir)


def add_dump(cfg, out):
    if not out.endswith(('.pkl', '.pickle')):
        raise ZooError(f'--out must end in .pkl or .pickle, got {out}')
    dump = dict(type='DumpResults', out_file_path=out)
    evaluators = cfg.test_evaluator
    cfg.test_evaluator = ([*evaluators, dump] if isinstance(evaluators,
                                                            (list, tuple)) else [evaluators, dump])


@clean_errors
def main():
    args = parse_args()
    checkpoint = require_checkpoint(args.checkpoint)
    cfg = load_config(args)
    prepare_run(cfg, args, ['test_dataloader'])
    cfg.load_from = checkpoint
    apply_output_options(cfg, args)
    if args.show_dir:
        enable_show(cfg, args.show_dir)
    if args.out:
        add_dump(cfg, args.out)
    runner = build_runner(cfg)
    metrics = runner.test()
    if runner.rank == 0:  # every rank has the metrics; one writes them
        metrics_file = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(metrics_file, 'w') as f:
            json.dump(metrics, f, indent=2, default=float)
        print(f'metrics ({args.config}):')
        for key, value in metrics.items():
            print(f'  {key}: {value}')
        print(f'metrics written to {metrics_file}')
        if args.show_dir:
            print(f'pictures written to {osp.abspath(args.show_dir)}')


if __name__ == '__main__':
    main()
