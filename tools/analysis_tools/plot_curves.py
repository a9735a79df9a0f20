"""Plot a run's training curves (loss, validation metrics, learning rate) from its logs.

    python tools/analysis_tools/plot_curves.py WORK_DIR [--keys loss lr cls/accuracy]
        [--out curves.png]

Reads ``vis_data/scalars.json`` of every run folder in WORK_DIR (resumed runs continue
the curves) and writes one panel per key; training values by iteration, validation
values (logged once per evaluation) by their iteration too.
"""
import argparse
import os.path as osp

from custom_modules.visualization import default_curve_keys, plot_curves, read_scalars


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
    series = read_scalars(args.work_dir)
    if not series:
        raise SystemExit(f'error: no */vis_data/scalars.json under {args.work_dir}; is it a '
                         'work dir?')
    keys = args.keys or default_curve_keys(series)
    missing = [k for k in keys if k not in series]
    if missing:
        raise SystemExit(f'error: not in the logs: {missing}; available: {sorted(series)}')
    out = args.out or osp.join(args.work_dir, 'curves.png')
    plot_curves(series, keys, out)
    print(f'curves of {", ".join(keys)} written to {out}')


if __name__ == '__main__':
    main()
