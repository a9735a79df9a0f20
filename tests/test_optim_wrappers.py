"""Mixed precision as --amp sets it up: bf16 without a loss scaler, fp16 with one."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import OPTIM_WRAPPERS

import custom_modules.run  # noqa: F401 (registration; registers the wrappers)
from custom_modules.errors import ZooError
from custom_modules.run.speed import use_amp


def amp_config(monkeypatch, bf16):
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda *a, **k: bf16)
    cfg = Config(
        dict(
            optim_wrapper=dict(
                type='FiniteOptimWrapper', nonfinite='skip', optimizer=dict(type='SGD', lr=0.1))))
    use_amp(cfg.optim_wrapper)
    return cfg.optim_wrapper


def test_amp_on_a_bf16_gpu_builds_no_loss_scaler(monkeypatch):
    cfg = amp_config(monkeypatch, bf16=True)
    assert cfg.type == 'Bf16OptimWrapper' and 'loss_scale' not in cfg
    model = torch.nn.Conv2d(3, 4, 3)
    wrapper = OPTIM_WRAPPERS.build(
        dict(cfg.to_dict(), optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert not hasattr(wrapper, 'loss_scaler') and wrapper.nonfinite == 'skip'
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):  # on the CPU here: CPU autocast
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    assert not torch.equal(model.weight, before)
    assert 'loss_scaler' not in wrapper.state_dict()


def test_amp_on_an_fp16_gpu_scales_the_loss(monkeypatch):
    cfg = amp_config(monkeypatch, bf16=False)
    assert cfg.type == 'FiniteAmpOptimWrapper'
    assert cfg.dtype == 'float16' and cfg.loss_scale == 'dynamic'
    assert cfg.nonfinite == 'skip'


def test_bad_nonfinite_option_is_named():
    with pytest.raises(ZooError, match="optim_wrapper.nonfinite='ignore'; use 'stop' or 'skip'"):
        OPTIM_WRAPPERS.build(
            dict(
                type='FiniteOptimWrapper',
                nonfinite='ignore',
                optimizer=torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)))


def test_every_zoo_schedule_uses_the_finite_wrapper():
    from pathlib import Path
    for path in sorted(Path('configs/_base_/schedules').glob('*.py')):
        assert Config.fromfile(path).optim_wrapper.type == 'FiniteOptimWrapper', path
