"""custom_modules.compat: mmengine checkpoints load with torch's weights_only check on."""
import collections
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import custom_modules.run  # noqa: F401 (registration; applies compat)


def test_message_hub_round_trips_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('compat-test')
    for value in (1.0, 2.0, 4.0):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', 3)
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(message_hub=hub.state_dict(), weights=torch.ones(2)), path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(7 / 3)
    assert loaded['message_hub']['runtime_info']['iter'] == 3


def test_numpy_values_load(tmp_path):
    path = tmp_path / 'np.pth'
    torch.save(dict(a=np.arange(3, dtype=np.int64), b=np.float64(0.5)), path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['a'].tolist() == [0, 1, 2] and loaded['b'] == 0.5


class _Lookup:
    """Pickles as ``getattr(obj, name)``."""

    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return getattr, (self.obj, self.name)


class _System:

    def __reduce__(self):
        import os
        return os.system, ('touch PWNED', )


def test_code_in_a_checkpoint_does_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': _System()}, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not (tmp_path / 'PWNED').exists()


@pytest.mark.parametrize('obj, name', [(HistoryBuffer, '__init__'),
                                       (collections.OrderedDict, 'fromkeys')])
def test_getattr_is_only_allowed_for_history_buffer_statistics(tmp_path, obj, name):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': _Lookup(obj, name)}, path)
    with pytest.raises(pickle.UnpicklingError, match='only mmengine HistoryBuffer'):
        torch.load(path, weights_only=True)


def _standin_transformers(root):
    """A package named transformers, version 5, without ``apply_chunking_to_forward``
    in ``modeling_utils`` (removed upstream), with the metadata mmpretrain reads."""
    package = root / 'transformers'
    package.mkdir()
    (package / '__init__.py').write_text("__version__ = '5.0.0'\n")
    (package / 'modeling_utils.py').write_text('class PreTrainedModel:\n    pass\n')
    info = root / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')


BUILD_MODELS = '''
import sys

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
for path in sys.argv[1:]:
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    print(type(MODELS.build(cfg.model)).__name__)
'''


def test_mmpretrain_models_build_beside_a_recent_transformers(tmp_path):
    """With a transformers that lacks ``apply_chunking_to_forward``, mmpretrain 1.2.0's
    models cannot even be imported; through our packages, imrecog and ssimrecog models
    build, and mmpretrain's multimodal placeholders remain."""
    import subprocess
    import sys

    from zoo_test_utils import REPO
    _standin_transformers(tmp_path)
    env = dict(__import__('os').environ, PYTHONPATH=f'{tmp_path}:{REPO}')
    upstream = subprocess.run([sys.executable, '-c', 'import mmpretrain.models'],
                              env=env,
                              capture_output=True,
                              text=True,
                              cwd=REPO)
    assert upstream.returncode != 0 and 'transformers' in upstream.stderr  # the upstream bug
    configs = [
        'configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py',
        'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
    ]
    ours = subprocess.run([sys.executable, '-c', BUILD_MODELS, *configs],
                          env=env,
                          capture_output=True,
                          text=True,
                          cwd=REPO)
    assert ours.returncode == 0, ours.stderr[-3000:]
    assert ours.stdout.split() == ['ImageClassifier', 'SemiSupervisedClassifier']
    placeholder = subprocess.run([
        sys.executable, '-c', 'import custom_modules.imrecog\nfrom mmpretrain.registry import '
        "MODELS\nMODELS.build(dict(type='Blip2Caption'))"
    ],
                                 env=env,
                                 capture_output=True,
                                 text=True,
                                 cwd=REPO)
    assert 'requires extra multi-modal dependencies' in placeholder.stderr
