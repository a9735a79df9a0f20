# mmpretrain runtime for iteration-based loops (infinite samplers): checkpoints and log
# lines count iterations.
_base_ = ['./default_runtime_mmpretrain.py']
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=250))
log_processor = dict(by_epoch=False)
