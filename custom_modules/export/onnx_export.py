"""From a config and checkpoint to a deployable model: the network of each task as a plain
``nn.Module`` (what ONNX holds and what ``tools/infer.py`` runs with PyTorch), its
``model.json`` and the ONNX export (``parity`` checks what it wrote against the training
stack).

Tasks (``tasks``): ``classification`` (imrecog classifiers; the FixMatch model predicts
with its teacher), ``embedding`` (the N-pairs embedder), ``detection`` (RetinaNet: per
level the decoded boxes and sigmoid scores of every anchor; thresholds and NMS are in
``custom_modules.deploy.processing``), ``segmentation`` (U-Net logits).
"""
import os
import os.path as osp
import warnings

import torch
from torch import nn

from .. import families
from ..checkpoints import check_checkpoint_fits
from ..deploy.model_dir import FORMAT, INT8_FILE, write_spec
from ..errors import ZooError
from .tasks import export_task


def task_of(cfg):
    """The task and family of a config's model (the model types each family declares,
    ``custom_modules.families``), or a one-line error naming those supported."""
    model_type = cfg.model.get('type', '').split('.')[-1]
    found = families.of_model_type(model_type)
    if found is None:
        raise ZooError(f'export: model type {model_type!r} is not supported; supported: '
                       f'{", ".join(families.exported_model_types())}')
    return found


def model_config(cfg):
    """The config's model, with the top-level ``data_preprocessor`` merged in as mmengine's
    ``Runner`` merges it."""
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    return model_cfg


def build_model(cfg, checkpoint, device='cpu'):
    """The config's model with the checkpoint's weights (checked to fit), in eval mode."""
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    init_default_scope(cfg.default_scope)
    model = MODELS.build(model_config(cfg))
    loaded = check_checkpoint_fits(checkpoint, model)  # read once, safely
    meta = _load_checkpoint_to_model(model, loaded, logger='silent').get('meta', {})
    model.dataset_meta = meta.get('dataset_meta') or {}
    return model.to(device).eval()


class ExportModule(nn.Module):
    """The network of a task as a plain module: a normalised N x C x H x W float input ->
    what the task's ``forward`` makes of the model (``tasks``): probabilities, embeddings,
    per level decoded boxes and scores, or logits at the input size. ``task``: its name or
    its export task."""

    def __init__(self, model, task):
        super().__init__()
        self.model = model
        self.task = export_task(task) if isinstance(task, str) else task

    def forward(self, x):
        return self.task.forward(self.model, x)


class TorchNetwork:
    """An :class:`ExportModule` as the runtime's network: numpy in, list of numpy out."""

    def __init__(self, module, device='cpu'):
        self.module, self.device = module, device

    @torch.no_grad()
    def __call__(self, x):
        out = self.module(torch.from_numpy(x).to(self.device))
        return [o.cpu().numpy() for o in (out if isinstance(out, tuple) else (out, ))]


def torch_predictor(cfg, checkpoint, device='cpu', ensemble=(), **options):
    """A runtime ``Predictor`` running the network of the loaded config ``cfg``
    (``cli.load_config``; on a Dask worker, one unpickled, whose ``custom_imports`` are
    imported here) with the weights of the local file ``checkpoint`` (and of the
    ``ensemble`` checkpoints of the same config) in PyTorch, as ``tools/infer.py`` does;
    ``options``: the predictor's (batch size, TTA)."""
    from mmengine.utils import import_modules_from_strings

    from .. import compat
    from ..deploy import Predictor
    compat.apply()
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    task, _ = task_of(cfg)

    def network(path):
        model = build_model(cfg, path, device)
        return model, TorchNetwork(ExportModule(model, task).eval(), device)

    model, first = network(checkpoint)
    return Predictor(
        spec_of(cfg, model), first, ensemble=[network(c)[1] for c in ensemble], **options)


def test_pipeline(cfg):
    """The pipeline of the config's test images (of the queries, for a gallery/query set)."""
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset:
        dataset = dataset.get('query') or dataset['datasets'][0]
    return dataset.pipeline


def _test_resize(pipeline):
    for t in pipeline:
        if t.get('type', '').split('.')[-1] == 'Resize':
            scale = t.get('scale')
            size = [scale, scale] if isinstance(scale, int) else list(scale)
            return size, bool(t.get('keep_ratio', False))
    return None, False


def raster_reading(pipeline):
    """The ``LoadRasterWindow`` options of a pipeline (bands, scaling, nodata), or None for
    a model trained on pictures."""
    for t in pipeline:
        if t.get('type', '').split('.')[-1] == 'LoadRasterWindow':
            return dict(
                bands=list(t['bands']) if t.get('bands') else None,
                scaling=t.get('scaling'),
                nodata=t.get('nodata'))
    return None


def normalisation(model):
    """Mean, std, colour order and padding divisor of the model's data pre-processor (the
    module, whichever toolbox's it is, so that a default or merged one counts too)."""
    dp = model.data_preprocessor
    if getattr(dp, '_enable_normalize', False):
        mean, std = dp.mean.flatten().tolist(), dp.std.flatten().tolist()
    else:
        mean, std = [0.0] * 3, [1.0] * 3
    to_rgb = any(
        getattr(dp, a, False) for a in ('to_rgb', '_channel_conversion', 'channel_conversion'))
    divisor = getattr(dp, 'pad_size_divisor', None) or getattr(dp, 'size_divisor', None) or 1
    return dict(mean=mean, std=std, to_rgb=bool(to_rgb), size_divisor=int(divisor))


def describe(cfg, model):
    """What a trained model is and what its input must be: the fields the exporter's
    ``model.json`` and a published model's card share (one definition for both)."""
    task, family = task_of(cfg)
    pipeline = test_pipeline(cfg)
    size, keep_ratio = _test_resize(pipeline)
    meta = model.dataset_meta or {}
    palette = meta.get('palette')
    reading = raster_reading(pipeline)
    if reading is not None and meta.get('raster'):
        reading['trained_on'] = dict(meta['raster'])
    return dict(
        task=task,
        family=family,
        model_type=cfg.model['type'],
        classes=list(meta.get('classes') or []),
        palette=[list(map(int, c)) for c in palette] if palette is not None else None,
        input=dict(size=size, keep_ratio=keep_ratio, raster=reading, **normalisation(model)),
        config=cfg.filename)


def spec_of(cfg, model):
    """``model.json``: :func:`describe`, and what post-processing needs."""
    described = describe(cfg, model)
    task = export_task(described['task'])
    return dict(
        format=FORMAT,
        **described,
        outputs=task.output_names(model),
        postprocess=task.postprocess_spec(model))


def export_onnx(cfg, checkpoint, out_dir, opset=17):
    """Write ``model.onnx`` and ``model.json`` of the config's model to ``out_dir``
    (dynamic batch and image size); returns the spec and the PyTorch module."""
    name, _ = task_of(cfg)
    model = build_model(cfg, checkpoint)
    task = export_task(name)
    module = ExportModule(model, task).eval()
    spec = spec_of(cfg, model)
    side = max(spec['input']['size'] or [64])
    side += -side % spec['input']['size_divisor']
    dummy = torch.zeros(1, len(spec['input']['mean']), side, side)
    dynamic = {name: {0: 'batch'} for name in spec['outputs']}
    dynamic.update(task.dynamic_axes())
    os.makedirs(out_dir, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # tracer warnings about shapes turned into constants
        torch.onnx.export(
            module, (dummy, ),
            osp.join(out_dir, 'model.onnx'),
            dynamo=False,
            opset_version=opset,
            input_names=['image'],
            output_names=spec['outputs'],
            dynamic_axes={
                'image': {
                    0: 'batch',
                    2: 'height',
                    3: 'width'
                },
                **dynamic
            })
    if osp.exists(osp.join(out_dir, INT8_FILE)):  # an earlier export's, of other weights
        os.remove(osp.join(out_dir, INT8_FILE))
    write_spec(out_dir, spec)
    return spec, module
