"""Test plugin: a file of the dataset breaks after the check before training (truncated
to a few bytes), as on a flaky network drive or when another job rewrites it."""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class BreakFilesHook(Hook):

    def __init__(self, paths):
        self.paths = paths

    def before_train(self, runner):
        for path in self.paths:
            with open(path, 'r+b') as f:
                f.truncate(8)
