"""Pictures of semi-supervised recognition: a t-SNE of embeddings."""
import numpy as np

from ..visualization import new_figure, save_figure


def plot_tsne(embeddings, labels, classes, path, seed=0):
    """A 2-D t-SNE of ``embeddings``, one colour a class, saved to ``path``."""
    from sklearn.manifold import TSNE

    points = TSNE(
        n_components=2, perplexity=min(30.0,
                                       len(embeddings) - 1.0), init='pca',
        random_state=seed).fit_transform(embeddings)
    fig, ax = new_figure((6, 5))
    for cls in np.unique(labels):
        chosen = labels == cls
        ax.scatter(
            points[chosen, 0], points[chosen, 1], s=12, label=classes[cls] if classes else str(cls))
    ax.legend(fontsize=8)
    ax.set_title('t-SNE of the validation embeddings')
    save_figure(fig, path, dpi=110, bbox_inches='tight')
