# The course's schedule: Adam; learning rate ramps linearly from 1e-5 to 1e-3 over 5
# epochs, then decays by 0.9 per epoch towards 1e-5 (custom_modules/schedulers.py).
# FiniteOptimWrapper: no step from a NaN/Inf loss, all ranks agreeing; nonfinite='stop'
# names the iteration and stops, 'skip' skips such steps (custom_modules/optim_wrappers.py)
optim_wrapper = dict(
    type='FiniteOptimWrapper', nonfinite='stop', optimizer=dict(type='Adam', lr=1e-3))
# A dict, not a list, so that configs can override single values (ramp=2). The curve
# peaks at the optimizer's lr: change optim_wrapper.optimizer.lr to change the peak.
param_scheduler = dict(type='RampDecayLR', start=1e-5, floor=1e-5, ramp=5, decay=0.9, by_epoch=True)
# mmengine's epoch loop, resumable mid-epoch after a preemption (custom_modules/loops.py)
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=50, val_interval=1)
val_cfg = dict()
test_cfg = dict()
