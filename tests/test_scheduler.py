"""The course's ramp-and-decay learning-rate curve."""
import pytest
import torch
from mmengine.optim import OptimWrapper

from custom_modules.errors import ZooError
from custom_modules.run.schedulers import RampDecayLR


def course_lrfn(epoch, start=1e-5, peak=1e-3, floor=1e-5, ramp=5, sustain=0, decay=0.9):
    """The course's Keras schedule, written out by hand."""
    if epoch < ramp:
        return (peak - start) / ramp * epoch + start
    if epoch < ramp + sustain:
        return peak
    return (peak - floor) * decay**(epoch - ramp - sustain) + floor


def lrs_per_epoch(epochs, lr=1e-3, **kwargs):
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = RampDecayLR(OptimWrapper(optimizer), by_epoch=True, **kwargs)
    seen = []
    for _ in range(epochs):
        seen.append(optimizer.param_groups[0]['lr'])
        scheduler.step()
    return seen


def test_matches_course_curve():
    seen = lrs_per_epoch(40)
    assert seen == pytest.approx([course_lrfn(e) for e in range(40)], rel=1e-9)
    assert seen[0] == pytest.approx(1e-5) and seen[5] == pytest.approx(1e-3)
    assert min(seen) >= 1e-5


def test_sustain_holds_the_peak():
    seen = lrs_per_epoch(10, ramp=2, sustain=3)
    assert seen[2:5] == pytest.approx([1e-3] * 3)
    assert seen == pytest.approx([course_lrfn(e, ramp=2, sustain=3) for e in range(10)])


def test_rejects_bad_decay():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match='decay'):
        RampDecayLR(OptimWrapper(optimizer), decay=1.5)


def test_group_multipliers_keep_their_ratio():
    frozen = torch.nn.Parameter(torch.zeros(1))
    fast = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam(
        [dict(params=[frozen], lr=0.0), dict(params=[fast], lr=0.2)], lr=0.1)
    scheduler = RampDecayLR(OptimWrapper(optimizer), by_epoch=True)
    for epoch in range(8):
        lrs = [g['lr'] for g in optimizer.param_groups]
        assert lrs == pytest.approx([0.0, 2 * course_lrfn(epoch, peak=0.1)])
        scheduler.step()


def test_the_peak_is_the_optimizers_lr():
    """--cfg-options optim_wrapper.optimizer.lr=0.5 changes the curve (it was ignored)."""
    seen = lrs_per_epoch(12, lr=0.5)
    assert seen == pytest.approx([course_lrfn(e, peak=0.5) for e in range(12)])
    assert lrs_per_epoch(12, lr=0.5, peak=0.5) == seen


def test_a_peak_that_disagrees_with_the_optimizer_is_refused():
    with pytest.raises(
            ZooError,
            match=r"param_scheduler.peak=0.01 but "
            r"optim_wrapper.optimizer.lr=0.001: the schedule peaks at the "
            r"optimizer's lr; set optim_wrapper.optimizer.lr only"):
        lrs_per_epoch(1, peak=0.01)
