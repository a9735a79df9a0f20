"""A model folder in ONNX Runtime, as the network a :class:`~.predictor.Predictor` runs."""
from ..errors import ZooError
from .model_dir import load_spec, model_file
from .predictor import Predictor


class OnnxNetwork:
    """The model of ``precision`` (``model.onnx``, or ``model.int8.onnx``) in ONNX Runtime:
    an N x C x H x W float32 input -> list of outputs."""

    def __init__(self, model_dir, spec, threads=None, precision='fp32'):
        import onnxruntime as ort
        path = model_file(model_dir, spec, precision)
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


def onnx_predictor(model_dir, ensemble=(), threads=None, precision='fp32', **options):
    """The ``Predictor`` of an exported folder (and of the ``ensemble`` folders averaged
    with it) at ``precision``; ``options``: the predictor's (batch size, TTA)."""
    spec = load_spec(model_dir)
    return Predictor(
        spec,
        OnnxNetwork(model_dir, spec, threads, precision),
        ensemble=ensemble_networks(spec, ensemble, threads, precision),
        **options)


def ensemble_networks(spec, model_dirs, threads=None, precision='fp32'):
    """The networks of ``model_dirs``, each checked to predict what ``spec``'s model does."""
    networks = []
    for model_dir in model_dirs:
        other = load_spec(model_dir)
        for key in ('task', 'classes', 'input'):
            if other.get(key) != spec.get(key):
                raise ZooError(f'--ensemble {model_dir}: its {key} ({other.get(key)}) differs '
                               f'from the first model\'s ({spec.get(key)}); an ensemble '
                               'averages models of one task, class list and input')
        networks.append(OnnxNetwork(model_dir, other, threads, precision))
    return networks
