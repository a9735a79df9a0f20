"""The parity check of an export: the training stack (its test pipeline and
``test_step``) against the torch-free runtime (ONNX Runtime) on the same images, with
each task's tolerances. ``tools/deployment/export_onnx.py`` runs it after every export,
and on any folder with ``--verify DIR``."""
import os.path as osp

import numpy as np
import torch

from ..errors import ZooError
from .export import test_pipeline
from .processing import box_iou
from .runtime import OnnxNetwork, Predictor, load_spec, read_images


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
    :func:`test_batcher`, then ``model.test_step``), in the runtime's terms."""
    with torch.no_grad():
        sample = model.test_step(batcher([img], [path]))[0]
    if task == 'classification':
        return dict(probs=sample.pred_score.cpu().numpy())
    if task == 'embedding':
        return dict(embedding=sample.embedding.cpu().numpy())
    if task == 'detection':
        inst = sample.pred_instances
        return dict(
            boxes=inst.bboxes.cpu().numpy(),
            scores=inst.scores.cpu().numpy(),
            labels=inst.labels.cpu().numpy())
    return dict(mask=sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8))


def disagreement(task, ref, got, score_floor=0.05):
    """``(problem or None, a number: how far apart)`` for one image, with the thresholds of
    the parity check: classification top-1 equal and probabilities within 1e-4; detection
    boxes scoring >= ``score_floor`` matched one-to-one with IoU >= 0.99 and scores within
    1e-3; segmentation >= 99.9 % of pixels equal; embeddings cosine >= 0.9999."""
    if task == 'classification':
        gap = float(np.abs(ref['probs'] - got['probs']).max())
        if ref['probs'].argmax() != got['probs'].argmax():
            return f'top-1 class {got["probs"].argmax()} instead of {ref["probs"].argmax()}', 1.0
        return (f'probabilities differ by {gap:.2e} (> 1e-4)' if gap > 1e-4 else None), gap
    if task == 'embedding':
        a, b = ref['embedding'], got['embedding']
        cosine = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
        return (f'cosine {cosine:.6f} (< 0.9999)' if cosine < 0.9999 else None), 1 - cosine
    if task == 'segmentation':
        if ref['mask'].shape != got['mask'].shape:
            return f'mask {got["mask"].shape} instead of {ref["mask"].shape}', 1.0
        share = float((ref['mask'] != got['mask']).mean())
        return (f'{100 * share:.3f} % of pixels differ (> 0.1 %)' if share > 1e-3 else None), share
    keep_ref, keep_got = ref['scores'] >= score_floor, got['scores'] >= score_floor
    rb, rs, rl = ref['boxes'][keep_ref], ref['scores'][keep_ref], ref['labels'][keep_ref]
    gb, gs, gl = got['boxes'][keep_got], got['scores'][keep_got], got['labels'][keep_got]
    if len(rb) != len(gb):
        return f'{len(gb)} boxes scoring >= {score_floor} instead of {len(rb)}', 1.0
    if not len(rb):
        return None, 0.0
    iou = box_iou(rb, gb) * (rl[:, None] == gl[None, :])
    match = iou.argmax(axis=1)
    worst_iou = float(iou[np.arange(len(rb)), match].min())
    score_gap = float(np.abs(rs - gs[match]).max())
    if len(set(match.tolist())) != len(rb) or worst_iou < 0.99:
        return f'boxes matched with IoU down to {worst_iou:.4f} (< 0.99)', 1 - worst_iou
    if score_gap > 1e-3:
        return f'scores differ by {score_gap:.2e} (> 1e-3)', score_gap
    return None, max(1 - worst_iou, score_gap)


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


def read_inputs(cfg, items, out_dir):
    """``(name, image)`` of each of ``items`` (:func:`config_images`): image files decoded
    as the runtime decodes them, raster windows read by the config's ``LoadRasterWindow``."""
    windows = [item for item in items if isinstance(item, tuple)]
    yield from read_images([item for item in items if not isinstance(item, tuple)], out_dir, 'skip')
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
    model, task = module.model, spec['task']
    batcher = test_batcher(cfg)
    worst, failures, boxes = (0.0, None), [], 0
    for path, img in read_inputs(cfg, paths, out_dir or model_dir):
        got = predictor.predict(img)
        if task == 'classification':
            got = dict(probs=got['probs'])
        ref = reference_predict(batcher, model, task, img, path)
        if task == 'detection':
            boxes += int((ref['scores'] >= 0.05).sum())
        problem, gap = disagreement(task, ref, got)
        if problem:
            failures.append(f'{path}: {problem}')
        if gap >= worst[0]:
            worst = (gap, path)
    if failures:
        raise ZooError(f'parity check failed on {len(failures)} of {len(paths)} images; worst '
                       f'{worst[1]}; first: {failures[0]}')
    compared = f', {boxes} boxes scoring >= 0.05' if task == 'detection' else ''
    return (f'parity: {len(paths)} images{compared}, PyTorch and ONNX Runtime agree ({task}; '
            f'largest difference {worst[0]:.2e}, on {osp.basename(worst[1] or "-")})')
