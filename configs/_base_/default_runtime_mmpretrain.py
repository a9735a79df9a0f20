_base_ = ['./default_runtime.py']
default_scope = 'mmpretrain'
custom_imports = dict(imports=['custom_modules.imrecog'], allow_failed_imports=False)
default_hooks = dict(
    visualization=dict(type='VisualizationHook', enable=False),
    # a clear error when model.head.num_classes disagrees with the dataset's classes
    num_classes_check=dict(type='NumClassesCheckHook'),
    # the training split's class counts, for a loss that asks for them
    # (model.head.loss.type=BalancedCrossEntropyLoss); nothing for the others
    class_counts=dict(type='ClassCountsHook'),
    # confusion_matrix.png from the confusion_matrix.json ClassificationReport writes
    confusion_matrix=dict(type='ConfusionMatrixHook'),
    # true/predicted label grids; tools/test.py --show-dir turns it on
    prediction_grid=dict(type='PredictionGridHook', enable=False),
)
visualizer = dict(type='UniversalVisualizer', vis_backends={{_base_.vis_backends}})
