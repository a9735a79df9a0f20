"""Publish a trained checkpoint as OpenMMLab publishes its zoo's: the weights and what a
user needs to know about them, nothing of the training state, named for its hash.

``publish(IN.pth, OUT.pth)`` writes ``OUT-<first 8 hex of its sha256>.pth`` holding
``state_dict`` and ``meta`` (the config's text, ``dataset_meta``, the model card,
versions), without optimizer, scheduler and message-hub state; it loads with
``torch.load(weights_only=True)``. ``MODEL.md`` next to it is the card in words.
"""
import json
import os
import os.path as osp

import torch

from ..checkpoints.urls import sha256_of
from ..errors import ZooError
from .zoo_index import read_run_file


def _json_safe(value):
    """``value`` as plain lists, dicts, strings and numbers (what ``weights_only`` loads)."""
    return json.loads(
        json.dumps(value, default=lambda v: v.tolist() if hasattr(v, 'tolist') else str(v)))


def run_results(work_dir, metrics_file=None):
    """``(metrics, split, summary)`` of the run in ``work_dir``: the test metrics
    (``metrics_file``, else the work dir's ``test_metrics.json`` that ``tools/test.py``
    writes), else the last validation's from ``summary.json``."""
    summary = read_run_file(osp.join(work_dir, 'summary.json')) or {}
    if metrics_file and not osp.isfile(metrics_file):
        raise ZooError(f'--metrics: no file at {metrics_file}')
    tested = read_run_file(metrics_file or osp.join(work_dir, 'test_metrics.json'))
    if tested:
        return tested, 'test', summary
    return summary.get('last_metrics') or {}, 'validation', summary


def config_name(meta, summary):
    """The config a checkpoint was trained with, as a path when the summary has it."""
    if summary.get('config'):
        return summary['config']
    name = meta.get('experiment_name') or 'model'
    return name.rsplit('_', 2)[0] + '.py'  # <config>_<date>_<time>


def publish(in_path, out_path, metrics_file=None, data=None, licence='unspecified'):
    """Write the published checkpoint and its ``MODEL.md``; return the checkpoint's path."""
    from mmengine.config import Config

    from ..export.onnx_export import build_model
    from .model_card import card_markdown, model_card
    if not out_path.endswith('.pth'):
        raise ZooError(f'publish: the output name must end in .pth, got {out_path}')
    if not osp.isfile(in_path):
        raise ZooError(f'checkpoint not found: {in_path}')
    checkpoint = torch.load(in_path, map_location='cpu', weights_only=True)
    if not isinstance(checkpoint, dict):
        checkpoint = {}
    meta = checkpoint.get('meta') or {}
    if 'state_dict' not in checkpoint or not meta.get('cfg'):
        raise ZooError(f'publish: {in_path} is not a checkpoint written by a zoo training '
                       '(it has no state_dict or no config in its meta)')
    metrics, split, summary = run_results(osp.dirname(osp.abspath(in_path)), metrics_file)
    cfg = Config.fromstring(meta['cfg'], '.py')
    model = build_model(cfg, in_path)  # the weights must fit the config they came with
    stem = osp.basename(out_path)[:-len('.pth')]
    card = model_card(
        cfg,
        model,
        stem,
        metrics,
        split,
        data=data,
        licence=licence,
        command=summary.get('command'),
        trained=summary.get('trained'),
        config=config_name(meta, summary))
    published = dict(
        state_dict=checkpoint['state_dict'],
        meta=_json_safe(
            dict(
                cfg=meta['cfg'],
                dataset_meta=meta.get('dataset_meta') or {},
                experiment_name=meta.get('experiment_name'),
                epoch=meta.get('epoch'),
                iter=meta.get('iter'),
                mmengine_version=meta.get('mmengine_version'),
                model_card=card)))
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    partial = osp.join(out_dir, f'.{stem}.pth.part')
    torch.save(published, partial)
    digest = sha256_of(partial)
    final = osp.join(out_dir, f'{stem}-{digest[:8]}.pth')
    os.replace(partial, final)
    with open(osp.join(out_dir, 'MODEL.md'), 'w') as f:
        f.write(card_markdown(card, osp.basename(final), digest))
    return final
