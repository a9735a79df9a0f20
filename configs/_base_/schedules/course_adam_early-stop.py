# The course's training: Adam with the ramp-and-decay curve and early stopping when the
# validation loss (ClassificationReport's cls/loss) has not improved for `patience`
# epochs. The runtime's CheckpointHook keeps the best checkpoint (first metric: accuracy).
_base_ = ['./course_adam.py']
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='cls/loss', rule='less', patience=10,
         min_delta=0.0),  # as Keras' EarlyStopping; mmengine's default 0.1 is coarse
]
