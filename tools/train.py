"""Train a zoo model from its config (any family: the config's scope picks the toolbox).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT] | --auto-resume] [--amp]
        [--channels-last] [--compile] [--cudnn-benchmark] [--fast-loaders]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse
import os
import os.path as osp

from custom_modules.cli import (add_common_args, add_output_args, apply_output_options,
                                build_runner, clean_errors, load_config, prepare_run)
from custom_modules.errors import ZooError
from custom_modules.run.run_dir import lock_work_dir
from custom_modules.run.speed import add_speed_args, apply_speed_options


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model of the zoo')
    parser.add_argument('config', help='train config file')
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        metavar='CKPT',
        help='resume from CKPT, or without a value from the newest checkpoint in the work dir '
        '(an error when it has none)')
    resume.add_argument(
        '--auto-resume',
        action='store_const',
        const='if-any',
        dest='resume',
        help='resume from the newest checkpoint in the work dir, or start fresh when it has '
        'none (for jobs that are requeued)')
    add_speed_args(parser)
    add_common_args(parser)
    add_output_args(parser)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def set_resume(cfg, resume):
    if resume in ('auto', 'if-any'):  # ZooRunner: 'if-any' starts fresh without a checkpoint
        cfg.resume = True if resume == 'auto' else resume
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise ZooError(f'checkpoint to resume from not found: {resume}')
        cfg.resume = True
        cfg.load_from = resume


@clean_errors
def main():
    args = parse_args()
    cfg = load_config(args)
    prepare_run(cfg, args, ['train_dataloader', 'val_dataloader'])
    lock_work_dir(cfg.work_dir, cfg.launcher)  # one training per work dir
    apply_speed_options(cfg, args)
    apply_output_options(cfg, args)
    set_resume(cfg, args.resume)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    main()
