"""The prediction of images: batching, test-time augmentation, ensembles and tiling, for
any network (ONNX Runtime, or the PyTorch module of a config) and any task."""
import numpy as np

from ..errors import ZooError
from . import augment, processing
from .tasks import task_for


class Predictor:
    """Pre-processing, a network and the task's post-processing (``self.task``, chosen
    from ``spec``). ``predict_many`` sends images whose network inputs have one shape
    through the network together, ``batch_size`` at a time; ``tta`` and ``ensemble``
    merge the views of an image and the predictions of more networks."""

    def __init__(self, spec, network, batch_size=1, tta='none', ensemble=()):
        self.spec, self.network, self.task = spec, network, task_for(spec)
        self.batch_size = batch_size
        self.views, self.networks = augment.views(tta), [network, *ensemble]
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ZooError(f'--batch {batch_size} must be a whole number >= 1')
        if self.augmented:
            self.task.check_merging()

    @property
    def augmented(self):
        """Whether predictions merge several views or networks (``--tta``, ``--ensemble``)."""
        return len(self.views) > 1 or len(self.networks) > 1

    def run_many(self, imgs, network=None):
        """``(outputs, meta)`` of each image, in order: pre-processed, then grouped by
        input shape into network calls of at most ``batch_size`` images."""
        network = network or self.network
        prepared = [processing.preprocess(img, self.spec) for img in imgs]
        by_shape = {}
        for i, (x, _) in enumerate(prepared):
            by_shape.setdefault(x.shape, []).append(i)
        results = [None] * len(imgs)
        for members in by_shape.values():
            for start in range(0, len(members), self.batch_size):
                chunk = members[start:start + self.batch_size]
                outputs = network(np.concatenate([prepared[i][0] for i in chunk]))
                for k, i in enumerate(chunk):
                    results[i] = [o[k] for o in outputs], prepared[i][1]
        return results

    def each_view(self, img):
        """``(view, outputs, meta)`` for every network and view of ``img``."""
        for network in self.networks:
            for view in self.views:
                yield (view, *self.run_many([augment.to_view(img, view)], network)[0])

    def predict(self, img, tile=None, overlap=None):
        """A BGR image -> the task's prediction (see ``processing``); window by window, in
        windows of ``tile`` sharing ``overlap`` pixels (default: half a window, at most
        64), when it is larger than ``tile``."""
        return self.predict_many([img], tile, overlap)[0]

    def predict_many(self, imgs, tile=None, overlap=None):
        """The predictions of several BGR images (a list, in order)."""
        overlap = self.task.tiling(tile, overlap)
        tiled = [bool(tile) and max(img.shape[:2]) > tile for img in imgs]
        if self.augmented:
            return [
                self.task.predict_tiled(self, img, tile, overlap) if t else self.predict_whole(img)
                for img, t in zip(imgs, tiled)
            ]
        whole = iter(
            self.task.postprocess(outputs, meta)
            for outputs, meta in self.run_many([img for img, t in zip(imgs, tiled) if not t]))
        return [
            self.task.predict_tiled(self, img, tile, overlap) if t else next(whole)
            for img, t in zip(imgs, tiled)
        ]

    def predict_whole(self, img):
        """The prediction of the whole image at once (over every view and network)."""
        if self.augmented:
            return self.task.merge_views(self, img)
        outputs, meta = self.run_many([img])[0]
        return self.task.postprocess(outputs, meta)
