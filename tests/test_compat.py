"""custom_modules.compat: mmengine checkpoints load with torch's weights_only check on."""
import collections
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import custom_modules  # noqa: F401 (applies compat)


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
        return os.system, ('touch PWNED',)


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
