"""Which checkpoint ``--resume`` takes, and what the best checkpoint so far is.

``--resume`` takes the ``last_checkpoint`` pointer if it names a whole file, else the
newest whole ``*.pth`` (:func:`find_resumable_checkpoint`; ``ZooRunner.load_or_resume``
asks it instead of mmengine's ``find_latest_checkpoint``, which trusts the pointer).
"""
import glob
import logging
import os.path as osp
import zipfile

from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log


def is_complete_checkpoint(path):
    """Whether ``path`` is a whole torch zip checkpoint (a cut-off file has no zip directory)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(name.endswith('data.pkl') for name in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def find_resumable_checkpoint(work_dir):
    """The checkpoint ``--resume`` should use: the ``last_checkpoint`` pointer if it names a
    complete file, else the newest complete ``*.pth`` in ``work_dir`` (None if there is none).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            return named
    candidates = sorted(
        (p for p in glob.glob(osp.join(work_dir, '*.pth')) if is_complete_checkpoint(p)),
        key=osp.getmtime)
    newest = candidates[-1] if candidates else None
    if named:
        print_log(
            f'last_checkpoint names {named!r}, which is missing or incomplete; '
            f'resuming from the newest complete checkpoint: {newest}',
            logger='current',
            level=logging.WARNING)
    elif newest:
        print_log(
            f'no last_checkpoint pointer in {work_dir}; resuming from the newest '
            f'complete checkpoint: {newest}',
            logger='current',
            level=logging.WARNING)
    return newest


def best_so_far(runner):
    """``({metric: best score}, best checkpoint or None)``: what mmengine's
    ``CheckpointHook`` (``save_best``) publishes of the best validation, read in this one
    place.

    mmengine 0.10.7 keeps it in the message hub's runtime info, which checkpoints carry
    (``_save_best_checkpoint`` in
    https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/hooks/checkpoint_hook.py):
    ``best_score`` and ``best_ckpt`` when it watches one metric, ``best_score_<metric>``
    and ``best_ckpt_<metric>`` when several. With one, the metric's name is only on the
    hook (``key_indicators``; ``save_best='auto'`` takes the first metric of the first
    validation).
    """
    info = runner.message_hub.runtime_info
    saver = next((h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
    watched = list(getattr(saver, 'key_indicators', None) or ['score'])
    best = {watched[0]: float(info['best_score'])} if 'best_score' in info else {}
    best.update({
        key[len('best_score_'):]: float(value)
        for key, value in info.items() if key.startswith('best_score_')
    })
    checkpoint = info.get('best_ckpt') or next(
        (value for key, value in info.items() if key.startswith('best_ckpt_')), None)
    return best, checkpoint
