"""The course's learning-rate curve as an mmengine parameter scheduler."""
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

from ..errors import ZooError


class RampDecayParamScheduler(_ParamScheduler):
    """Linear ramp, optional plateau, then exponential decay towards a floor.

    The ML-Mondays course's ``lrfn`` (a Keras ``LearningRateScheduler``), per epoch ``e``:
    ``start + (peak - start) * e / ramp`` while ``e < ramp``; ``peak`` for ``sustain``
    more epochs; then ``(peak - floor) * decay ** (e - ramp - sustain) + floor``.

    The peak is the optimizer's own value (``optim_wrapper.optimizer.lr``): one source of
    truth, so ``--cfg-options optim_wrapper.optimizer.lr=0.01`` changes the curve. A
    ``peak`` given as well must equal it. ``start`` and ``floor`` are absolute; groups
    given another value (``paramwise_cfg``'s ``lr_mult``) keep their ratio to it.
    """

    def __init__(self,
                 optimizer,
                 param_name,
                 start=1e-5,
                 peak=None,
                 floor=1e-5,
                 ramp=5,
                 sustain=0,
                 decay=0.9,
                 **kwargs):
        if ramp < 0 or sustain < 0 or not 0 < decay <= 1:
            raise ValueError(f'need ramp >= 0, sustain >= 0, 0 < decay <= 1; got '
                             f'ramp={ramp}, sustain={sustain}, decay={decay}')
        own = getattr(optimizer, 'optimizer', optimizer).defaults.get(param_name)
        if peak is not None and own is not None and peak != own:
            raise ZooError(f'param_scheduler.peak={peak} but optim_wrapper.optimizer.{param_name}'
                           f'={own}: the schedule peaks at the optimizer\'s {param_name}; set '
                           f'optim_wrapper.optimizer.{param_name} only')
        self.start, self.peak, self.floor = start, own if peak is None else peak, floor
        self.ramp, self.sustain, self.decay = ramp, sustain, decay
        super().__init__(optimizer, param_name, **kwargs)

    def value_at(self, step):
        """The parameter value at ``step`` (epochs when ``by_epoch``)."""
        if step < self.ramp:
            return self.start + (self.peak - self.start) * step / self.ramp
        if step < self.ramp + self.sustain:
            return self.peak
        decayed = self.decay**(step - self.ramp - self.sustain)
        return (self.peak - self.floor) * decayed + self.floor

    def _get_value(self):
        value = self.value_at(self.last_step - self.begin)
        optimizer = getattr(self.optimizer, 'optimizer', self.optimizer)
        reference = optimizer.defaults.get(self.param_name) or 1.0
        return [value * base / reference for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class RampDecayLR(LRSchedulerMixin, RampDecayParamScheduler):
    """:class:`RampDecayParamScheduler` on the learning rate."""
