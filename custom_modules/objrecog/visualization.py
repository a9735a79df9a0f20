"""Pictures of object recognition: boxes on images, and observed-vs-predicted counts."""
import cv2
import numpy as np

from ..visualization import new_figure, save_figure


def draw_boxes(img, boxes, labels, scores, classes):
    """Boxes with class and score on a copy of the BGR image."""
    img = img.copy()
    for (x0, y0, x1, y1), label, score in zip(boxes, labels, scores):
        p0, p1 = (int(x0), int(y0)), (int(x1), int(y1))
        cv2.rectangle(img, p0, p1, (60, 20, 220), 2)
        cv2.putText(img, f'{classes[label]} {score:.2f}', (p0[0], max(p0[1] - 4, 10)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (60, 20, 220), 1, cv2.LINE_AA)
    return img


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
