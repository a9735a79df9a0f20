"""What every task has: its ``model.json``, the checks of the options it is given, and
the steps whose absence is an error the user can fix."""
import csv

from ...errors import ZooError


def write_csv(path, header, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


DEFAULT_OVERLAP = 64  # pixels shared by neighbouring windows, at most


def default_overlap(tile):
    """The overlap of windows of ``tile`` pixels when none is given: half a window, at most
    :data:`DEFAULT_OVERLAP`, so that any window size works without ``--overlap``."""
    return min(DEFAULT_OVERLAP, tile // 2)


class Task:
    """The part of prediction that depends on what a model predicts. ``spec`` is the
    ``model.json`` an export writes (``custom_modules.export``)."""

    name = None
    raster_outputs = ()  # the options of predict_raster's files this task takes

    def __init__(self, spec):
        self.spec = spec
        self.classes = spec.get('classes') or []
        self.post = spec.get('postprocess') or {}

    # --- options ----------------------------------------------------------------------

    def tiling(self, tile, overlap, rasters=False):
        """The overlap windows of ``tile`` pixels share (``overlap``, or None for
        :func:`default_overlap`), after refusing what this task cannot use (``rasters``:
        for the windows of a raster, else for pictures): the one check of both options."""
        if not tile:
            return overlap or 0
        if overlap is None:
            overlap = default_overlap(tile)
        if not 0 <= overlap < tile:
            raise ZooError(f'--overlap {overlap} must be at least 0 and less than the window '
                           f'(--tile) {tile}')
        return overlap

    def check_merging(self):
        """Refuse test-time augmentation and ensembles where nothing can be averaged."""

    # --- after the network ------------------------------------------------------------

    def postprocess(self, outputs, meta):
        """The network's outputs for one image (``meta`` from pre-processing) -> the
        task's prediction."""
        raise NotImplementedError

    def merge_views(self, predictor, img):
        """The prediction of ``img`` over every view and network of ``predictor``."""
        raise NotImplementedError

    def predict_tiled(self, predictor, img, tile, overlap):
        """The prediction of an image larger than ``tile``, window by window."""
        raise NotImplementedError

    # --- files ------------------------------------------------------------------------

    def picture_results(self, out_dir, score_thr=None):
        """An object with ``add(path, img, prediction)`` and ``finish() -> summary`` that
        writes this task's files for pictures to ``out_dir``."""
        raise NotImplementedError

    def predict_raster(self, predictor, source, stem, tile, overlap, score_thr=None, **outputs):
        """Predict an open raster (``geo.raster``) window by window; returns
        ``dict(raster, outputs, summary, counts)``. ``outputs``: the options of the files a
        task writes (its ``raster_outputs``; :meth:`check_outputs` refuses the others).
        One part holding every window, then its files: the archive
        (``custom_modules.archive``) predicts the parts of a large raster apart and
        finishes them so, with the same result."""
        outputs = {k: v for k, v in outputs.items() if k in self.raster_outputs}
        part = self.predict_part(predictor, source, stem, tile, overlap, None, **outputs)
        return self.finish_raster(source, stem, [part], tile, score_thr, **outputs)

    def predict_part(self, predictor, source, stem, tile, overlap, rows=None, **outputs):
        """What the windows of raster rows ``rows`` (``(y0, y1)``; None: all) found, for
        :meth:`finish_raster`: the parts of :func:`~..rasters.row_blocks` together hold
        every window once, each object and pixel as one part holding all would."""
        raise ZooError(f'rasters: a {self.name} model has no map output; predict pictures '
                       'instead')

    def finish_raster(self, source, stem, parts, tile, score_thr=None, **outputs):
        """The files of a raster from the :meth:`predict_part` of its row blocks, in order;
        returns what :meth:`predict_raster` does."""
        raise NotImplementedError

    def check_outputs(self, outputs):
        """Refuse a raster output option this task does not write (never ignore it)."""
        for key, value in outputs.items():
            if value and key not in self.raster_outputs:
                option = '--' + key.replace('_', '-')
                takes = ', '.join('--' + k.replace('_', '-') for k in self.raster_outputs)
                raise ZooError(f'{option}: a {self.name} model writes no such raster output '
                               f'(it takes: {takes or "none of them"})')

    def finish_rasters(self, done, out_dir):
        """Files about all rasters of a run (``done``: what :meth:`predict_raster` returned)."""
