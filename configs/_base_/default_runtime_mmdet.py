_base_ = ['./default_runtime.py']
default_scope = 'mmdet'
custom_imports = dict(imports=['custom_modules.objrecog'], allow_failed_imports=False)
default_hooks = dict(
    checkpoint=dict(save_best='coco/bbox_mAP', rule='greater'),
    visualization=dict(type='DetVisualizationHook'),
    # counts_scatter.png from the counts.csv CountingMetric writes
    count_scatter=dict(type='CountScatterHook'))
visualizer = dict(
    type='DetLocalVisualizer', vis_backends={{_base_.vis_backends}}, name='visualizer')
