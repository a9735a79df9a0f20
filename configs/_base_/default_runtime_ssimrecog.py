# The semi-supervised family's runtime: mmpretrain's, with its modules (which import the
# imrecog ones) and iteration-based loops (infinite samplers): checkpoints and log lines
# count iterations.
_base_ = ['./default_runtime_mmpretrain.py']
custom_imports = dict(imports=['custom_modules.ssimrecog'], allow_failed_imports=False)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=250))
log_processor = dict(by_epoch=False)
