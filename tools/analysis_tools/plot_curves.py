"""Plot a run's training curves (loss, validation metrics, learning rate) from its logs.

    python tools/analysis_tools/plot_curves.py WORK_DIR [--keys loss lr cls/accuracy]
        [--out curves.png]

Reads ``vis_data/scalars.json`` of every run folder in WORK_DIR (resumed runs continue
the curves) and writes one panel per key; training values by iteration, validation
values (logged once per evaluation) by their iteration too.
"""
import argparse
import json
import os.path as osp
from collections import defaultdict
from glob import glob


def read_scalars(work_dir):
    """``{key: [(iteration, value), ...]}`` from every run folder of ``work_dir``."""
    files = sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise SystemExit(f'error: no */vis_data/scalars.json under {work_dir}; is it a work dir?')
    series, last_iter = defaultdict(list), 0
    for path in files:
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                # validation records carry no 'iter': place them after the last one seen
                step = last_iter = record.get('iter', last_iter)
                for key, value in record.items():
                    if isinstance(value, (int, float)) and key not in ('iter', 'step', 'epoch'):
                        series[key].append((step, value))
    return series


def default_keys(series):
    keys = [k for k in ('loss', 'lr') if k in series]
    return keys + sorted(k for k in series if '/' in k and 'time' not in k)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir')
    parser.add_argument(
        '--keys',
        nargs='+',
        help='scalars to plot (default: loss, lr and '
        'every validation metric)')
    parser.add_argument('--out', help='PNG to write (default WORK_DIR/curves.png)')
    args = parser.parse_args()

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    series = read_scalars(args.work_dir)
    keys = args.keys or default_keys(series)
    missing = [k for k in keys if k not in series]
    if missing:
        raise SystemExit(f'error: not in the logs: {missing}; available: {sorted(series)}')
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.2 * len(keys)), sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        steps, values = zip(*series[key])
        ax.plot(steps, values, marker='.' if len(steps) < 60 else None)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        if key == 'lr':
            ax.set_yscale('log')
    axes[-1, 0].set_xlabel('iteration')
    fig.tight_layout()
    out = args.out or osp.join(args.work_dir, 'curves.png')
    fig.savefig(out, dpi=110)
    print(f'curves of {", ".join(keys)} written to {out}')


if __name__ == '__main__':
    main()
