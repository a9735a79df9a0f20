# The course's small conv net: blocks of 3x3 conv + ReLU + 2x2 max pooling with filters
# 30, 60, 90, 120; global max pooling; dense + ReLU with dropout 0.5; linear classifier.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CourseConvNet', base=30, depth=4),
    neck=dict(type='GlobalMaxPooling'),
    head=dict(
        type='StackedLinearClsHead',
        num_classes=4,
        in_channels=120,
        mid_channels=[128],
        dropout_rate=0.5,
        act_cfg=dict(type='ReLU'),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
