"""The zoo's index: each family's ``configs/<family>/metafile.yml`` (OpenMMLab's
model-index format, read by ``mim search`` and ``mim download``) holds what was measured;
the family README's zoo table is generated from it, never typed.

- :func:`add_run` writes or updates a model's entry from a work dir (the metrics of
  ``test_metrics.json``, the training time and hardware of ``summary.json``, the weights
  URL with its hash) and regenerates the table (``tools/misc/add_to_zoo.py``);
- :func:`table_mismatches` says where a README's table differs from its metafile (CI).

The table's metric columns are the collection's ``Table Metrics`` (keys of the metrics
``tools/test.py`` writes); ``Course`` is the course's own figure, for reference.
"""
import json
import os.path as osp
from pathlib import Path

import yaml

from .. import commands, families
from ..checkpoints.urls import file_url_path, hash_in_name, is_url, sha256_of
from ..errors import ZooError
from ..geo.raster import describe_ground, metres

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # custom_modules/zoo/..
FAMILIES = families.names()
TABLE_START = ('<!-- zoo table: generated from metafile.yml by tools/misc/add_to_zoo.py; '
               'edit the metafile, not the table -->')
TABLE_END = '<!-- end of zoo table -->'


def metafile_path(family, zoo_root=REPO):
    return osp.join(zoo_root, 'configs', family, 'metafile.yml')


def read_metafile(family, zoo_root=REPO):
    with open(metafile_path(family, zoo_root)) as f:
        return yaml.safe_load(f)


def write_metafile(family, index, zoo_root=REPO):
    with open(metafile_path(family, zoo_root), 'w') as f:
        yaml.safe_dump(index, f, sort_keys=False, allow_unicode=True, width=100)


def _cell(value):
    if value is None or value == '':
        return '–'
    if isinstance(value, float):
        return f'{value:g}'
    return str(value).replace('|', '\\|')


def render_table(index):
    """The README table of a metafile's models."""
    collection = index['Collections'][0]
    keys = collection.get('Metadata', {}).get('Table Metrics', [])
    head = ['config', 'data', *keys, 'course', 'train time', 'weights']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for model in index.get('Models') or []:
        meta = model.get('Metadata') or {}
        results = model.get('Results') or []
        metrics = results[0].get('Metrics', {}) if results else None
        values = ['not measured' if metrics is None else _cell(metrics.get(key)) for key in keys]
        time, where = meta.get('Training Time'), meta.get('Training Resources')
        weights = model.get('Weights')
        data = meta.get('Training Data')
        if data and meta.get('Pixel Size'):
            data = f'{data} ({meta["Pixel Size"]} pixels)'
        row = [
            f'[{model["Name"]}]({osp.basename(model["Config"])})',
            _cell(data), *values,
            _cell(meta.get('Course')), f'{time} on {where}' if time and where else _cell(time),
            f'[{osp.basename(weights)}]({weights})' if weights else '–'
        ]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def _split_readme(text, readme):
    if text.count(TABLE_START) != 1 or text.count(TABLE_END) != 1:
        raise ZooError(f'{readme}: expected one zoo table between the markers {TABLE_START!r} '
                       f'and {TABLE_END!r}')
    before, rest = text.split(TABLE_START)
    table, after = rest.split(TABLE_END)
    return before, table.strip('\n'), after


def readme_path(family, zoo_root=REPO):
    return osp.join(zoo_root, 'configs', family, 'README.md')


def write_table(family, zoo_root=REPO):
    """Regenerate the family README's zoo table from its metafile."""
    readme = readme_path(family, zoo_root)
    with open(readme) as f:
        before, _, after = _split_readme(f.read(), readme)
    table = render_table(read_metafile(family, zoo_root))
    with open(readme, 'w') as f:
        f.write(f'{before}{TABLE_START}\n{table}\n{TABLE_END}{after}')


def table_mismatches(family, zoo_root=REPO):
    """Lines of the README table that its metafile does not give, and the other way round
    (empty when they agree)."""
    readme = readme_path(family, zoo_root)
    with open(readme) as f:
        _, table, _ = _split_readme(f.read(), readme)
    wanted = render_table(read_metafile(family, zoo_root)).splitlines()
    found = table.splitlines()
    return ([f'{readme} has, the metafile not: {line}' for line in found if line not in wanted] +
            [f'the metafile has, {readme} not: {line}' for line in wanted if line not in found])


def read_run_file(path, missing=None):
    """A work dir's JSON file (``summary.json``, ``test_metrics.json``): None when it is
    not there, or, given ``missing`` (what to do about it), a one-line error."""
    if not osp.isfile(path):
        if missing:
            raise ZooError(f'{path} not found: {missing}')
        return None
    with open(path) as f:
        return json.load(f)


def find_config(name, zoo_root=REPO):
    """``(family, path relative to the zoo root)`` of a zoo config by file name."""
    for family in FAMILIES:
        path = osp.join('configs', family, name)
        if osp.isfile(osp.join(zoo_root, path)):
            return family, path
    raise ZooError(f'config {name} is not in the zoo: copy it to configs/<family>/ (and '
                   'commit it) before adding its results')


def weights_url(weights):
    """The URL of published weights: a local file becomes a ``file://`` URL; a local file
    (or ``file://`` URL) must be there with the hash its name carries."""
    if not hash_in_name(weights):
        raise ZooError(f'--weights {weights}: the name carries no hash; publish the checkpoint '
                       f'first ({commands.TOOLS["publish"]})')
    path = file_url_path(weights) if weights.startswith('file://') else weights
    if is_url(path):
        return weights
    if not osp.isfile(path):
        raise ZooError(f'--weights {weights}: no file there')
    if not sha256_of(path).startswith(hash_in_name(path)):
        raise ZooError(f'--weights {weights}: its sha256 does not start with the hash in its '
                       'name; publish it again')
    return Path(path).resolve().as_uri()


def add_run(work_dir, weights=None, data=None, course=None, zoo_root=REPO):
    """Write or update the zoo entry of the run in ``work_dir``; regenerate its family's
    README table. Returns ``(family, entry)``."""
    metrics = read_run_file(
        osp.join(work_dir, 'test_metrics.json'),
        'test the model first: ' + commands.test('CONFIG', 'CHECKPOINT', '--work-dir', work_dir))
    summary = read_run_file(
        osp.join(work_dir, 'summary.json'),
        f'train it with {commands.TOOLS["train"]} --work-dir on this folder (its summary has the '
        'time)')
    family, config = find_config(osp.basename(summary['config']), zoo_root)
    name = osp.splitext(osp.basename(config))[0]
    index = read_metafile(family, zoo_root)
    models = index.setdefault('Models', [])
    entry = next((m for m in models if m.get('Name') == name), None)
    if entry is None:
        entry = dict(Name=name, **{'In Collection': family}, Config=config)
        models.append(entry)
    meta = entry.get('Metadata') or {}
    trained = summary.get('trained', {})
    data = data or meta.get('Training Data') or ', '.join(summary.get('data', []))
    meta.update({
        'Training Data': data,
        'Training Resources': trained.get('hardware') or trained.get('device'),
        'Training Time': f'{trained["seconds"]:.0f} s' if 'seconds' in trained else None,
        'Epochs': trained.get('epochs'),
        'Iterations': trained.get('iterations'),
        'Command': summary.get('command'),
    })
    ground = summary.get('raster')
    if ground:  # what a user's rasters should look like: the zoo says it beside the score
        meta['Rasters'] = describe_ground(ground)
        if ground.get('pixel_size'):
            meta['Pixel Size'] = f'{metres(ground["pixel_size"])} m'
    if course:
        meta['Course'] = course
    entry['Config'] = config
    entry['Metadata'] = {k: v for k, v in meta.items() if v is not None}
    entry['Results'] = [
        dict(
            Task=families.family(family)['zoo_task'],
            Dataset=data,
            Metrics={
                k: round(float(v), 4)
                for k, v in metrics.items() if isinstance(v, (int, float))
            })
    ]
    entry['Weights'] = weights_url(weights) if weights else entry.get('Weights')
    write_metafile(family, index, zoo_root)
    write_table(family, zoo_root)
    return family, entry
