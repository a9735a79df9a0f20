"""``model.onnx`` in ONNX Runtime, as the network a :class:`~.predictor.Predictor` runs."""
import os.path as osp

from ..errors import ZooError
from .model_dir import load_spec


class OnnxNetwork:
    """``model.onnx`` in ONNX Runtime: an N x C x H x W float32 input -> list of outputs."""

    def __init__(self, model_dir, spec, threads=None):
        import onnxruntime as ort
        path = osp.join(model_dir, 'model.onnx')
        if not osp.isfile(path):
            raise ZooError(f'{model_dir} has no model.onnx')
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
        found = [o.name for o in self.session.get_outputs()]
        if found != spec['outputs']:
            raise ZooError(f'{path} has outputs {found} but model.json describes a '
                           f'{spec["task"]} model with outputs {spec["outputs"]}: the two '
                           'files come from different exports')
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, x):
        return self.session.run(None, {self.input_name: x})


def ensemble_networks(spec, model_dirs, threads=None):
    """The networks of ``model_dirs``, each checked to predict what ``spec``'s model does."""
    networks = []
    for model_dir in model_dirs:
        other = load_spec(model_dir)
        for key in ('task', 'classes', 'input'):
            if other.get(key) != spec.get(key):
                raise ZooError(f'--ensemble {model_dir}: its {key} ({other.get(key)}) differs '
                               f'from the first model\'s ({spec.get(key)}); an ensemble '
                               'averages models of one task, class list and input')
        networks.append(OnnxNetwork(model_dir, other, threads))
    return networks
