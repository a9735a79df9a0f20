"""The one place where mlmondays-zoo works around upstream bugs that have no extension point.

Each workaround links the upstream code it works around. Importing this module changes
nothing: :func:`apply` is called explicitly, by the tools and by ``ZooRunner``, and is
idempotent (``custom_modules.imrecog`` calls :func:`without_mmpretrain_multimodal` before
it imports mmpretrain). Where upstream has an extension point the fix lives with the code that uses
it instead (a registered subclass or backend: ``docs/architecture.md`` lists them all).

The only upstream attribute this module replaces: ``mmpretrain.utils.dependency.
WITH_MULTIMODAL`` (:func:`without_mmpretrain_multimodal`). The others adjust the
process's warning filters, a config, or a log handler of ours.
"""
import logging
import warnings

__all__ = [
    'REPLACED', 'UpstreamDeprecationsOffTheConsole', 'apply', 'setup_cpu_distributed',
    'without_mmpretrain_multimodal'
]

# every upstream attribute the zoo replaces (``module:attribute``), checked by
# tests/test_architecture.py after every family is imported
REPLACED = ('mmpretrain.utils.dependency:WITH_MULTIMODAL', )


def _quiet_pkg_resources_warning():
    """mmengine's ``package_utils`` imports the deprecated ``pkg_resources``.

    setuptools >= 81 removed it, so requirements/runtime.txt pins setuptools < 81;
    the deprecation warning it prints on every config with a ``mmdet::`` style base
    is noise to our users. Upstream: ``mmengine/utils/package_utils.py`` of 0.10.7
    (https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/utils/package_utils.py).
    """
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)


def _quiet_mmseg_notices_about_itself():
    """Two warnings mmseg 1.2.2 prints about its own code on every U-Net run: its
    ``BaseDecodeHead`` calls the ``build_loss`` it deprecates
    (``mmseg/models/decode_heads/decode_head.py``), and its ``SegVisualizationHook``
    warns that it draws nothing while training, which is how the zoo uses it (pictures
    come with ``tools/test.py --show-dir``; ``mmseg/engine/hooks/visualization_hook.py``).
    Neither asks anything of a user. https://github.com/open-mmlab/mmsegmentation/tree/v1.2.2
    """
    warnings.filterwarnings('ignore', message='``build_loss`` would be deprecated soon')
    warnings.filterwarnings('ignore', message='The draw is False, it means that the hook')


def setup_cpu_distributed(cfg):
    """Make ``--launcher pytorch`` work on machines without a GPU.

    mmengine 0.10.7 assumes CUDA there: ``_init_dist_pytorch`` calls
    ``torch.cuda.set_device`` and ``Runner.wrap_model`` passes ``device_ids=[rank]``
    to DDP, both of which fail for CPU processes. We start the gloo process group
    ourselves (mmengine then skips its own init) and wrap with ``device_ids=None``.
    Upstream: https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/dist/utils.py
    (``_init_dist_pytorch``) and ``mmengine/runner/runner.py`` (``wrap_model``).
    """
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))


class UpstreamDeprecationsOffTheConsole(logging.Filter):
    """A console log filter: mmengine 0.10.7's own ``CheckpointHook.before_train`` builds
    the ``FileClient`` it deprecates, so every training printed two warnings about it
    ('"FileClient" will be deprecated in future', '"HardDiskBackend" is the alias of
    "LocalBackend"') that no config can avoid. They stay in the log file; the console
    (not ``--verbose``) drops them. Upstream: ``mmengine/hooks/checkpoint_hook.py``
    (``FileClient.infer_client`` in ``before_train``) and ``mmengine/fileio/file_client.py``,
    https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/hooks/checkpoint_hook.py"""

    MESSAGES = ('"FileClient" will be deprecated in future',
                '"HardDiskBackend" is the alias of "LocalBackend"')

    def filter(self, record):
        return not str(record.msg).startswith(self.MESSAGES)


def without_mmpretrain_multimodal():
    """Keep mmpretrain's multimodal models (BLIP, OFA, RAM, ...) switched off.

    mmpretrain 1.2.0 imports them whenever ``pycocotools`` and ``transformers>=4.28`` are
    installed (``mmpretrain/utils/dependency.py``, ``WITH_MULTIMODAL``), and two of them
    import ``apply_chunking_to_forward`` from ``transformers.modeling_utils``, which recent
    transformers removed; ``import mmpretrain.models`` then raises ImportError, so no
    mmpretrain model can be built at all. The zoo uses none of those models: with the flag
    off, mmpretrain registers its own placeholders for them, which say what to install if a
    config asks for one. Must run before ``mmpretrain.models`` is first imported:
    :func:`apply` runs it in the tools, and ``custom_modules.imrecog`` (which the mmpretrain
    families' configs import) before it imports mmpretrain: the one workaround applied on
    import, since the import itself is what fails. Upstream:
    https://github.com/open-mmlab/mmpretrain/blob/v1.2.0/mmpretrain/utils/dependency.py and
    ``mmpretrain/models/multimodal/blip2/Qformer.py`` (line 16) and ``.../ram/bert.py`` there.
    """
    import importlib.util
    import sys
    if importlib.util.find_spec('mmpretrain') is None:
        return
    from mmpretrain.utils import dependency
    if 'mmpretrain.models' not in sys.modules:
        dependency.WITH_MULTIMODAL = False


def apply():
    """Apply the workarounds that act on the whole process (idempotent): called by the tools
    (``custom_modules.cli.load_config``, before a config's ``custom_imports`` import a
    toolbox) and by ``ZooRunner``, never by importing a module."""
    _quiet_pkg_resources_warning()
    _quiet_mmseg_notices_about_itself()
    without_mmpretrain_multimodal()
