"""Embedding: a vector for each picture (metric learning); no classes, boxes or maps."""
import os.path as osp

import numpy as np

from ...errors import ZooError
from .. import processing
from .base import Task, write_csv


class Embedding(Task):
    name = 'embedding'

    def tiling(self, tile, overlap, rasters=False):
        if tile and not rasters:  # rasters: Task.predict_raster says there is no map output
            raise ZooError('--tile: an embedding model sees whole images; tiles are for '
                           'detection, segmentation and classified raster windows')
        return 0

    def check_merging(self):
        raise ZooError('--tta and --ensemble average predictions of classes, boxes or '
                       'masks; an embedding model has none')

    def postprocess(self, outputs, meta):
        return processing.embed(outputs[0], self.spec)

    def picture_results(self, out_dir, score_thr=None):
        return _Pictures(out_dir)


class _Pictures:
    """``embeddings.csv``: the file, then the vector."""

    def __init__(self, out_dir):
        self.out_dir, self.rows = out_dir, []

    def add(self, path, img, pred):
        self.rows.append([osp.basename(path), *np.round(pred['embedding'], 6).tolist()])

    def finish(self):
        dim = len(self.rows[0]) - 1 if self.rows else 0
        write_csv(osp.join(self.out_dir, 'embeddings.csv'), ['file', *range(dim)], self.rows)
        return f'{len(self.rows)} embeddings of {dim} values; embeddings.csv in {self.out_dir}'
