"""Figures without pyplot: matplotlib's object API sets no global backend (a notebook
user's stays as it was) and keeps no figure in pyplot's registry."""
import os
import os.path as osp


def new_figure(figsize, rows=1, columns=1, **subplots):
    """A figure and its axes (an array of them for several rows or columns)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, columns, **subplots)


def save_figure(fig, path, dpi=110, **kwargs):
    """Write ``fig`` to ``path`` (format from the extension), creating its folder."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, dpi=dpi, **kwargs)
