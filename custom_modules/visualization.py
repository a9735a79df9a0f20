"""Figures without pyplot: matplotlib's object API sets no global backend (a notebook
user's stays as it was) and keeps no figure in pyplot's registry."""
import json
import os
import os.path as osp
from collections import defaultdict
from glob import glob


def new_figure(figsize, rows=1, columns=1, **subplots):
    """A figure and its axes (an array of them for several rows or columns)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, columns, **subplots)


def save_figure(fig, path, dpi=110, **kwargs):
    """Write ``fig`` to ``path`` (format from the extension), creating its folder."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, dpi=dpi, **kwargs)


def read_scalars(work_dir):
    """``{key: [(iteration, value), ...]}`` from ``vis_data/scalars.json`` of every run
    folder of ``work_dir`` (a resumed run continues the curves)."""
    series, last_iter = defaultdict(list), 0
    for path in sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                # validation records carry no 'iter': place them after the last one seen
                step = last_iter = record.get('iter', last_iter)
                for key, value in record.items():
                    if isinstance(value, (int, float)) and key not in ('iter', 'step', 'epoch'):
                        series[key].append((step, value))
    return series


def default_curve_keys(series):
    """The training loss and learning rate, then every validation metric."""
    keys = [k for k in ('loss', 'lr') if k in series]
    return keys + sorted(k for k in series if '/' in k and 'time' not in k)


def plot_curves(series, keys, path):
    """One panel a key, by iteration (the learning rate on a log scale)."""
    fig, axes = new_figure((7, 2.2 * len(keys)), len(keys), 1, sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        steps, values = zip(*series[key])
        ax.plot(steps, values, marker='.' if len(steps) < 60 else None)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        if key == 'lr':
            ax.set_yscale('log')
    axes[-1, 0].set_xlabel('iteration')
    fig.tight_layout()
    save_figure(fig, path)
