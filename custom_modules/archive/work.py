"""What a Dask worker runs for an archive: each function is one task, takes plain data
(the model's reference, a raster's GDAL path, the prediction options) and returns plain
data, so any worker of any machine can run it.

A raster is ``plan`` (open it, check it, cut it into blocks of window rows; a raster of
one block is predicted there and then, in the same opening), or, when larger,
``predict_block`` for each block and ``finish``, which merges the blocks as the
single-raster path does (``Task.finish_raster``). Every file is
written under ``<out>/.partial/<stem>/`` and renamed into ``<out>`` only when all of the
raster's files are complete, so a killed worker leaves nothing half-written where the
outputs are; Dask runs its task again elsewhere.

A worker builds a model once and keeps it for every later task (:func:`predictor_for`):
an exported model folder runs in ONNX Runtime (no torch on the worker), a config and
checkpoint in PyTorch.
"""
import json
import os
import os.path as osp
import resource
import shutil
import time

from ..deploy.rasters import open_raster, reading_of, row_blocks

PARTIAL = '.partial'
_PREDICTORS = {}


def predictor_for(model):
    """The ``Predictor`` of ``model`` (``dict(backend, ...)``, see
    ``tools/predict_archive.py``; a PyTorch model's ``cfg`` is the loaded config, its
    checkpoints local files), built once a worker process."""
    key = json.dumps(model, sort_keys=True, default=str)
    if key not in _PREDICTORS:
        options = dict(batch_size=model['batch_size'], tta=model['tta'])
        if model['backend'] == 'onnxruntime':
            from ..deploy import onnx_predictor
            _PREDICTORS[key] = onnx_predictor(model['model_dir'], model['ensemble'],
                                              model['threads'], model['precision'], **options)
        else:
            import torch

            from ..export.onnx_export import torch_predictor
            if model['threads']:
                torch.set_num_threads(model['threads'])
            _PREDICTORS[key] = torch_predictor(model['cfg'], model['checkpoint'], model['device'],
                                               model['ensemble'], **options)
    return _PREDICTORS[key]


def _opened(model, href, options, say=True):
    """The predictor of ``model`` and the raster ``href`` to open for it (``say``: the one
    line about its pixel size or missing CRS, said by the raster's first task only)."""
    predictor = predictor_for(model)
    reading = reading_of(predictor.spec, options['bands'], options['scaling'],
                         options['native_resolution'])
    return predictor, open_raster(predictor, href, reading, options['tile'], options['overlap'],
                                  options['outputs'], say)


def plan(model, href, stem, options, out_dir, block_rows):
    """Open and check a raster (the refusals of the raster path raise here, before any
    prediction). A raster of one block is predicted there and then, its files renamed
    into ``out_dir`` (:func:`_placed`, what it returns); a larger one returns
    ``dict(blocks, megapixels)``, ``blocks`` the raster rows of each block of
    ``block_rows`` rows of windows."""
    started = time.time()
    predictor, opened = _opened(model, href, options)
    with opened as (source, tile, overlap):
        blocks = row_blocks(source, tile, overlap, block_rows)
        if len(blocks) > 1:
            return dict(blocks=blocks, megapixels=source.width * source.height / 1e6)
        folder = partial_dir(out_dir, stem)
        shutil.rmtree(folder, ignore_errors=True)  # what a killed attempt left
        os.makedirs(folder)
        done = predictor.task.predict_raster(predictor, source, osp.join(folder, stem), tile,
                                             overlap, options['score_thr'], **options['outputs'])
        return _placed(done, source, out_dir, folder, started)


def partial_dir(out_dir, stem):
    return osp.join(out_dir, PARTIAL, stem)


def predict_block(model, href, stem, options, out_dir, rows):
    """What the windows of raster rows ``rows`` found (``Task.predict_part``); a
    segmentation block writes its rows under the raster's partial folder."""
    predictor, opened = _opened(model, href, options, say=False)
    folder = partial_dir(out_dir, stem)
    os.makedirs(folder, exist_ok=True)
    with opened as (source, tile, overlap):
        return predictor.task.predict_part(predictor, source, osp.join(folder, stem), tile, overlap,
                                           tuple(rows), **options['outputs'])


def finish(model, href, stem, options, out_dir, parts, started):
    """The raster's files from its blocks' ``parts``, renamed into ``out_dir``."""
    predictor, opened = _opened(model, href, options, say=False)
    folder = partial_dir(out_dir, stem)
    with opened as (source, tile, _):
        done = predictor.task.finish_raster(source, osp.join(folder, stem), parts, tile,
                                            options['score_thr'], **options['outputs'])
        return _placed(done, source, out_dir, folder, started)


def _placed(done, source, out_dir, folder, started):
    """Rename the raster's finished files from its partial folder into ``out_dir`` (each
    rename atomic; the manifest calls the raster done only after all of them) and say what
    the manifest keeps."""
    names = []
    for path in done['outputs']:
        name = osp.basename(path)
        os.replace(path, osp.join(out_dir, name))
        names.append(name)
    shutil.rmtree(folder, ignore_errors=True)
    area = None
    if source.pixel_size:
        area = float(source.pixel_size[0] * source.pixel_size[1])
    return dict(
        outputs=names,
        counts=done['counts'],
        summary=done['summary'],
        pixel_area_m2=area,
        megapixels=source.width * source.height / 1e6,
        seconds=round(time.time() - started, 3),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        worker=_worker_name())


def _worker_name():
    try:
        from distributed import get_worker
        return str(get_worker().name)
    except (ImportError, ValueError):
        return f'pid {os.getpid()}'
