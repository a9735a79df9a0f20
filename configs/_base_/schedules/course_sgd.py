# The course's ramp-and-decay curve with SGD (momentum 0.9), as the course's RetinaNet.
_base_ = ['./course_adam.py']
optim_wrapper = dict(
    _delete_=True,
    type='FiniteOptimWrapper',
    nonfinite='stop',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
