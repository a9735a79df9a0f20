"""The one place where mlmondays-zoo works around upstream bugs.

Each workaround links the upstream code or pull request it works around. ``apply`` runs on
``import custom_modules`` (the tools and every config's ``custom_imports`` do that) and is
idempotent; ``setup_cpu_distributed``, ``zero_map_for_no_detections`` and
``without_mmpretrain_multimodal`` are called by the tools and by the family packages that
need them, so that this module imports no toolbox.
"""
import logging
import os
import os.path as osp
import pickle
import warnings

import numpy as np
import torch

__all__ = [
    'apply', 'checkpoint_safe_globals', 'pycocotools_output_to_the_log', 'setup_cpu_distributed',
    'without_mmpretrain_multimodal', 'zero_map_for_no_detections'
]


def checkpoint_safe_globals():
    """Types that mmengine 0.10.7 writes into checkpoints, all plain data.

    torch >= 2.6 loads checkpoints with ``weights_only=True`` by default, which
    refuses any pickled class it does not know; mmengine 0.10.7 stores its
    ``MessageHub`` (``HistoryBuffer`` objects holding numpy arrays and scalars) in
    every checkpoint, so resuming fails with ``Unsupported global: ...HistoryBuffer``.
    We allow exactly those data types instead of turning the check off: the check is
    what stops a malicious checkpoint from running code on load.
    Upstream: fixed by https://github.com/open-mmlab/mmengine/pull/1670, which is
    in no release yet.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [getattr(np.dtypes, name) for name in np.dtypes.__all__]
    return [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        *dtype_classes,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ]


def _history_buffer_getattr(obj, name):
    """``getattr`` as a checkpoint may use it, restricted to HistoryBuffer methods.

    ``HistoryBuffer.__getstate__`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. A general ``getattr`` would let a pickle
    reach any object, so only those lookups are allowed.
    """
    from mmengine.logging import HistoryBuffer
    statistics = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and name in statistics:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refused getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        'mmengine HistoryBuffer methods may be looked up')


def _allow_mmengine_checkpoints():
    torch.serialization.add_safe_globals(checkpoint_safe_globals())


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


def zero_map_for_no_detections():
    """Make mmdet's ``CocoMetric`` report 0 mAP when no image has a detection.

    mmdet 3.3.0 logs the ERROR "The testing results of the whole dataset is empty." and
    returns no metrics at all, which is common after a first short epoch; a ``save_best``
    on ``coco/bbox_mAP`` then fails with a KeyError and the log shows nothing. With no box
    in any prediction this returns zeros without calling mmdet (so no ERROR line: a model
    that detects nothing yet is not a fault) and logs one INFO line instead. Called by
    ``custom_modules.objrecog`` (this module itself imports no toolbox). Upstream:
    https://github.com/open-mmlab/mmdetection/blob/v3.3.0/mmdet/evaluation/metrics/coco_metric.py
    (``compute_metrics``).
    """
    from mmdet.evaluation.metrics import CocoMetric
    if getattr(CocoMetric.compute_metrics, 'zoo_patched', False):
        return
    original = CocoMetric.compute_metrics

    def compute_metrics(self, results):
        if self.format_only or any(len(pred['bboxes']) for _, pred in results):
            metrics = original(self, results)
            if metrics or self.format_only:
                return metrics
        from mmengine.logging import MMLogger
        MMLogger.get_current_instance().info(
            'CocoMetric: no detections in any image (yet): every mAP is 0')
        return {
            f'{metric}_{key}': 0.0
            for metric in self.metrics
            for key in ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')
        }

    compute_metrics.zoo_patched = True
    CocoMetric.compute_metrics = compute_metrics


def pycocotools_output_to_the_log():
    """pycocotools prints its progress and the AP/AR table to stdout (about 20 lines each
    validation, 270 of a 12-epoch demo's console): send them to the run's log file
    instead, at INFO, where mmengine's own lines go (``--verbose`` shows them again).
    Called by ``custom_modules.objrecog``. Upstream:
    https://github.com/ppwwyyxx/cocoapi/blob/master/PythonAPI/pycocotools/coco.py and
    ``cocoeval.py`` (``print`` calls in ``COCO.__init__``, ``loadRes``, ``evaluate``,
    ``accumulate``, ``summarize``)."""
    import contextlib
    import io

    from mmengine.logging import print_log
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def to_log(method):
        if getattr(method, 'zoo_patched', False):
            return method

        def quiet(*args, **kwargs):
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                result = method(*args, **kwargs)
            if captured.getvalue().strip():
                print_log(captured.getvalue().rstrip(), logger='current', level=logging.INFO)
            return result

        quiet.zoo_patched = True
        return quiet

    COCO.__init__ = to_log(COCO.__init__)
    COCO.loadRes = to_log(COCO.loadRes)
    for name in ('evaluate', 'accumulate', 'summarize'):
        setattr(COCOeval, name, to_log(getattr(COCOeval, name)))


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
    config asks for one. Must run before ``mmpretrain.models`` is first imported (the
    imrecog and ssimrecog packages call it first thing). Upstream:
    https://github.com/open-mmlab/mmpretrain/blob/v1.2.0/mmpretrain/utils/dependency.py and
    ``mmpretrain/models/multimodal/blip2/Qformer.py`` (line 16) and ``.../ram/bert.py`` there.
    """
    import sys

    from mmpretrain.utils import dependency
    if 'mmpretrain.models' not in sys.modules:
        dependency.WITH_MULTIMODAL = False


def _atomic_put(self, obj, filepath):
    """Write ``obj`` to a temporary file beside ``filepath``, then rename it into place.
    A write that fails (disk full, quota) leaves no temporary file and stops the run with
    one line: the previous checkpoint and ``last_checkpoint`` are untouched."""
    from .errors import ZooError
    filepath = str(filepath)
    os.makedirs(osp.dirname(filepath) or '.', exist_ok=True)
    tmp = f'{filepath}.tmp-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            f.write(obj)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        if osp.exists(tmp):
            os.remove(tmp)
        raise ZooError(f'could not write {filepath} ({err.strerror or err}); the previous '
                       f'checkpoint and last_checkpoint are intact: free space in '
                       f'{osp.dirname(filepath) or "."}, then continue with --resume') from None
    os.replace(tmp, filepath)


def _crash_safe_checkpoints():
    """Checkpoints survive a kill at any moment, and ``--resume`` finds the newest whole one.

    mmengine 0.10.7 writes a checkpoint straight into its final name
    (``LocalBackend.put``) and resumes from whatever the ``last_checkpoint`` pointer names
    (``find_latest_checkpoint``): a run killed during a save leaves a cut-off file that
    ``--resume`` then fails to load. Upstream:
    https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/fileio/backends/local_backend.py
    and ``mmengine/runner/checkpoint.py`` (``find_latest_checkpoint``).
    """
    from mmengine.fileio.backends import LocalBackend
    from mmengine.runner import runner as runner_module

    from .run.checkpoints import find_resumable_checkpoint
    LocalBackend.put = _atomic_put
    runner_module.find_latest_checkpoint = find_resumable_checkpoint


def apply():
    """Apply every workaround (idempotent)."""
    _allow_mmengine_checkpoints()
    _quiet_pkg_resources_warning()
    _quiet_mmseg_notices_about_itself()
    _crash_safe_checkpoints()
