_base_ = ['./default_runtime.py']
default_scope = 'mmpretrain'
custom_imports = dict(imports=['custom_modules.imrecog'], allow_failed_imports=False)
default_hooks = dict(visualization=dict(type='VisualizationHook', enable=False))
visualizer = dict(type='UniversalVisualizer', vis_backends={{_base_.vis_backends}})
