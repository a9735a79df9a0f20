"""Pictures of image recognition: the confusion matrix and grids of predictions."""
import numpy as np

from ..visualization import new_figure, save_figure


def plot_confusion_matrix(cm, classes, path):
    """The confusion matrix ``cm[true, predicted]`` as a row-normalised heatmap."""
    rows = cm.sum(axis=1, keepdims=True)
    normalised = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    n = len(classes)
    fig, ax = new_figure((2 + 0.6 * n, 1.5 + 0.6 * n))
    ax.imshow(normalised, cmap='Blues', vmin=0, vmax=1)
    for t in range(n):
        for p in range(n):
            ax.text(
                p,
                t,
                f'{normalised[t, p]:.2f}',
                ha='center',
                va='center',
                fontsize=8,
                color='white' if normalised[t, p] > 0.5 else 'black')
    ax.set_xticks(range(n), classes, rotation=45, ha='right')
    ax.set_yticks(range(n), classes)
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title('confusion matrix (rows sum to 1)')
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def draw_prediction_grid(items, classes, path, columns=8):
    """``items``: (RGB uint8 image, true index, predicted index, score) tuples."""
    name = (lambda i: classes[i]) if classes else str
    rows = -(-len(items) // columns)
    fig, axes = new_figure((2 * columns, 2.3 * rows), rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis('off')
    for ax, (img, true, pred, score) in zip(axes.flat, items):
        ax.imshow(img)
        ax.set_title(
            f'true: {name(true)}\npred: {name(pred)} ({score:.2f})',
            fontsize=7,
            color='green' if true == pred else 'red')
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
