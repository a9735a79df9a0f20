"""The parity check of an export: the training stack (its test pipeline and
``test_step``) against the torch-free runtime (ONNX Runtime) on the same images, with
each task's tolerances. ``tools/deployment/export_onnx.py`` runs it after every export,
and on any folder with ``--verify DIR``."""
import os.path as osp

import torch

from ..deploy.files import read_images
from ..deploy.model_dir import load_spec
from ..deploy.onnx_session import OnnxNetwork
from ..deploy.predictor import Predictor
from ..errors import ZooError
from .onnx_export import test_pipeline
from .tasks import export_task


def _loads(transform):
    """Whether a pipeline step reads a file (image, raster window, annotations)."""
    return transform['type'].split('.')[-1].startswith('Load')


def test_batcher(cfg):
    """A function ``(images, paths) -> batch``: what the config's test data loader makes of
    decoded images, its test pipeline (image and annotation loading left out) and its
    collate function. Built once, used for every batch."""
    from mmengine.dataset import Compose
    from mmengine.registry import FUNCTIONS
    pipeline = Compose([t for t in test_pipeline(cfg) if not _loads(t)])
    collate = FUNCTIONS.get((cfg.test_dataloader.get('collate_fn')
                             or {}).get('type', 'pseudo_collate'))

    def batch(images, paths):
        return collate([
            pipeline(
                dict(img=img, img_path=path, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
            for img, path in zip(images, paths)
        ])

    return batch


def reference_predict(batcher, model, task, img, path):
    """The training stack's own prediction for one image (``batcher`` from
    :func:`test_batcher`, then ``model.test_step``), in the runtime's terms (``task``: an
    export task, ``custom_modules.export.tasks``)."""
    with torch.no_grad():
        sample = model.test_step(batcher([img], [path]))[0]
    return task.reference(sample)


def config_images(cfg, limit):
    """Image files of the config's test split (its demo val split), at most ``limit``; for
    a raster dataset its windows, as ``(raster path, (x0, y0, x1, y1))``."""
    from mmengine.registry import DATASETS
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if infos and 'window' in infos[0]:
        return [(info['img_path'], tuple(info['window'])) for info in infos[:limit]]
    paths = [info.get('img_path') for info in infos]
    paths = [p for p in paths if p and osp.isfile(p)][:limit]
    if not paths:
        raise ZooError('parity check: the test split has no image files (TFRecords?); give '
                       'a folder of images with --verify DIR')
    return paths


def read_inputs(cfg, items, out_dir, on_bad='skip'):
    """``(name, image)`` of each of ``items`` (:func:`config_images`): image files decoded
    as the runtime decodes them (``on_bad``: see ``read_images``), raster windows read by
    the config's ``LoadRasterWindow``."""
    windows = [item for item in items if isinstance(item, tuple)]
    yield from read_images([item for item in items if not isinstance(item, tuple)], out_dir, on_bad)
    if windows:
        from mmengine.registry import TRANSFORMS
        load = TRANSFORMS.build(next(t for t in test_pipeline(cfg) if _loads(t)))
        for path, window in windows:
            img = load(dict(img_path=path, window=window))['img']
            yield f'{path} window {window}', img


def check_parity(cfg, module, model_dir, paths, out_dir=None):
    """PyTorch (the training stack's test pipeline and ``test_step``) against ONNX Runtime
    (the torch-free runtime) on ``paths``: a :class:`ZooError` naming the worst image when
    they disagree; else a summary line."""
    spec = load_spec(model_dir)
    predictor = Predictor(spec, OnnxNetwork(model_dir, spec))
    model, task = module.model, export_task(spec['task'], spec)
    batcher = test_batcher(cfg)
    worst, failures, compared = (0.0, None), [], 0
    for path, img in read_inputs(cfg, paths, out_dir or model_dir):
        got = task.comparable(predictor.predict(img))
        ref = reference_predict(batcher, model, task, img, path)
        compared += task.compared(ref)
        problem, gap = task.disagreement(ref, got)
        if problem:
            failures.append(f'{path}: {problem}')
        if gap >= worst[0]:
            worst = (gap, path)
    if failures:
        raise ZooError(f'parity check failed on {len(failures)} of {len(paths)} images; worst '
                       f'{worst[1]}; first: {failures[0]}')
    return (f'parity: {len(paths)} images{task.describe_compared(compared)}, PyTorch and '
            f'ONNX Runtime agree ({task.name}; '
            f'largest difference {worst[0]:.2e}, on {osp.basename(worst[1] or "-")})')
