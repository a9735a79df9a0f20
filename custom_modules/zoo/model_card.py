"""A published model's card: what the model is (the fields it shares with the exporter's
``model.json``, from :func:`custom_modules.export.onnx_export.describe`), how well it did on what
data, its licence, and how it was trained. A published checkpoint carries it in
``meta['model_card']``; ``MODEL.md`` next to the checkpoint is the same card in words."""
import importlib.metadata
import os.path as osp

from .. import commands
from ..geo.raster import describe_ground

TOOLBOXES = dict(mmpretrain='mmpretrain', mmdet='mmdet', mmseg='mmseg')


def versions(scope):
    """The versions of what trained and runs the model."""
    names = ['torch', 'mmengine', TOOLBOXES.get(scope, scope), 'mlmondays-zoo']
    found = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def model_card(cfg,
               model,
               name,
               metrics,
               metrics_split,
               data=None,
               licence='unspecified',
               command=None,
               trained=None,
               config=None):
    """The card of ``model`` (built from ``cfg``, weights loaded). ``metrics``: name ->
    value, measured on ``metrics_split`` ('test' or 'validation'); ``trained``: what
    the run summary says (seconds, device, epochs, iterations); ``config``: the config's
    path, when ``cfg`` was read from elsewhere (a checkpoint's copy)."""
    from ..export.onnx_export import describe
    described = describe(cfg, model)
    if config:
        described['config'] = config
    return dict(
        name=name,
        **described,
        metrics={
            k: float(v)
            for k, v in metrics.items()
        },
        metrics_split=metrics_split,
        data=data or 'not given',
        licence=licence,
        command=command,
        trained=trained or {},
        versions=versions(cfg.get('default_scope')))


def _value(value):
    return f'{value:.4g}' if isinstance(value, float) else str(value)


def _rounded(values):
    return '[' + ', '.join(f'{v:.4g}' for v in values) + ']'


def card_markdown(card, file_name=None, sha256=None):
    """``MODEL.md``: the card for people (and the file and hash it belongs to)."""
    size = card['input']['size']
    ground = (card['input'].get('raster') or {}).get('trained_on')
    lines = [
        f'# {card["name"]}', '',
        f'A {card["task"]} model of the `{card["family"]}` family of mlmondays-zoo '
        f'({card["model_type"]}).', '', '| field | value |', '|---|---|'
    ]
    rows = [
        ('config', f'`{card["config"]}`'),
        ('classes', ', '.join(card['classes']) or '-'),
        ('palette', ' '.join(map(str, card['palette'])) if card['palette'] else '-'),
        ('input size', 'as given' if not size else f'{size[0]} x {size[1]}' +
         (' (aspect kept)' if card['input']['keep_ratio'] else '')),
        ('pre-processing', f'mean {_rounded(card["input"]["mean"])}, '
         f'std {_rounded(card["input"]["std"])}, '
         f'{"RGB" if card["input"]["to_rgb"] else "BGR"} channel order'),
        ('data', card['data']),
        *([('rasters', describe_ground(ground))] if ground else []),
        ('licence', card['licence']),
        ('trained', ', '.join(f'{k} {v}' for k, v in card['trained'].items()) or '-'),
        ('versions', ', '.join(f'{k} {v}' for k, v in card['versions'].items())),
    ]
    if file_name:
        rows.append(('file', f'`{file_name}`'))
    if sha256:
        rows.append(('sha256', f'`{sha256}`'))
    lines += [f'| {k} | {v} |' for k, v in rows]
    lines += [
        '', f'## Metrics ({card["metrics_split"]} split)', '', '| metric | value |', '|---|---|'
    ]
    lines += [f'| {k} | {_value(v)} |' for k, v in card['metrics'].items()] or ['| - | - |']
    lines += ['', '## Trained with', '', '```bash', card['command'] or 'not recorded', '```', '']
    if file_name:
        config = osp.basename(card['config'] or 'CONFIG.py')
        steps = commands.next_steps(config, file_name).values()
        lines += ['## Use', '', '```bash', *steps, '```', '']
    return '\n'.join(lines)
