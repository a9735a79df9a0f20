"""Pictures of object recognition: observed-vs-predicted counts (boxes on images are drawn
by ``custom_modules.deploy.drawing``, for every prediction path)."""
import numpy as np

from ..visualization import new_figure, save_figure


def save_count_scatter(true, pred, path, title):
    """Observed-vs-predicted scatter with the 1:1 line."""
    top = max(1, int(max(true.max(initial=0), pred.max(initial=0)))) + 1
    fig, ax = new_figure((4.5, 4.5))
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, (2, len(true)))
    ax.scatter(true + jitter[0], pred + jitter[1], s=14, alpha=0.6)
    ax.plot([0, top], [0, top], 'k--', lw=1, label='1:1')
    ax.set_xlim(-0.5, top)
    ax.set_ylim(-0.5, top)
    ax.set_xlabel('observed count')
    ax.set_ylabel('predicted count')
    ax.set_title(title, fontsize=9)
    ax.legend(loc='upper left')
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
