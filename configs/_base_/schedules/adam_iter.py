# Iteration-based Adam for infinite samplers: 1500 iterations, cosine decay to 1e-5,
# validation every 250 iterations (use with default_runtime_ssimrecog.py).
# FiniteOptimWrapper: no step from a NaN/Inf loss, all ranks agreeing; nonfinite='stop'
# names the iteration and stops, 'skip' skips such steps (custom_modules/optim_wrappers.py)
optim_wrapper = dict(
    type='FiniteOptimWrapper', nonfinite='stop', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = dict(type='CosineAnnealingLR', T_max=1500, eta_min=1e-5, by_epoch=False)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1500, val_interval=250)
val_cfg = dict()
test_cfg = dict()
