# The from-scratch recipe with AdamW instead of SGD: fewer steps to a usable detector (100
# epochs of 33 tiles are only 900 steps).
_base_ = ['./retinanet_r18-fpn-gn_1xb4-100e_deepforest-trees-400.py']
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05))
