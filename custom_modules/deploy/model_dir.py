"""A model folder: ``model.json`` (what the model is; see ``custom_modules.export``) beside
``model.onnx`` and, exported with ``--int8``, ``model.int8.onnx``."""
import json
import os.path as osp

from .. import commands
from ..errors import ZooError
from .tasks import TASKS

FORMAT = 'mlmondays-zoo-onnx/1'
PRECISIONS = ('fp32', 'int8')
INT8_FILE = 'model.int8.onnx'


def load_spec(model_dir):
    """``model.json`` of a model folder, checked."""
    path = osp.join(model_dir, 'model.json')
    if not osp.isfile(path):
        raise ZooError(f'{model_dir} has no model.json: export a model into it with ' +
                       commands.export('CONFIG', 'CHECKPOINT', model_dir))
    try:
        with open(path) as f:
            spec = json.load(f)
    except ValueError as err:
        raise ZooError(f'{path} is not valid JSON: {err}') from None
    if spec.get('format') != FORMAT or spec.get('task') not in TASKS:
        raise ZooError(f'{path} is not a model description of this zoo (format '
                       f'{spec.get("format")!r}, task {spec.get("task")!r}); re-export it')
    return spec


def write_spec(model_dir, spec):
    with open(osp.join(model_dir, 'model.json'), 'w') as f:
        json.dump(spec, f, indent=1)


def model_file(model_dir, spec, precision='fp32'):
    """The ONNX file of ``precision`` in a model folder (``model.json``'s ``precisions``;
    a folder exported before int8 existed holds fp32 only)."""
    held = spec.get('precisions') or {'fp32': 'model.onnx'}
    if precision not in held:
        raise ZooError(f'{model_dir} holds no {precision} model (it holds '
                       f'{", ".join(held)}): export it with ' +
                       commands.export('CONFIG', 'CHECKPOINT', model_dir) + ' --int8')
    path = osp.join(model_dir, held[precision])
    if not osp.isfile(path):
        raise ZooError(f'{model_dir} has no {held[precision]}')
    return path
