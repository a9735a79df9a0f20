"""A model folder: ``model.json`` (what the model is; see ``custom_modules.export``) beside
``model.onnx``."""
import json
import os.path as osp

from .. import commands
from ..errors import ZooError
from .tasks import TASKS

FORMAT = 'mlmondays-zoo-onnx/1'


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
