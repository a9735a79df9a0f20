"""The shape of ``custom_modules``: imports point down the layer order written in
docs/architecture.md (no package imports one above it or beside it, lazy imports inside
functions included, so no two packages import each other around a loop), and importing
every family replaces no upstream attribute except those ``compat.REPLACED`` lists."""
import ast
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from zoo_test_utils import REPO

PACKAGE = 'custom_modules'


def layer_order(doc):
    """``{part: layer}`` from the table of docs/architecture.md under "## Layers": rows
    ``| <layer number> | <part> | `module` `module` ... | ...``."""
    text = open(doc).read().split('## Layers', 1)[1]
    order = {}
    for number, part, modules in re.findall(r'^\| (\d+) \| ([^|]+?) \| ([^|]+) \|', text, re.M):
        for module in re.findall(r'`([\w.]+)`', modules):
            order[module] = (int(number), part)
    return order


def modules_of(root):
    """``{dotted name: (is package, path)}`` of every module under ``root/custom_modules``."""
    found = {}
    for dirpath, _, files in os.walk(osp.join(root, PACKAGE)):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(dirpath, name)
                dotted = osp.relpath(path, root)[:-3].replace(os.sep, '.')
                package = dotted.endswith('.__init__')
                found[dotted[:-len('.__init__')] if package else dotted] = (package, path)
    return found


def imports_of(name, package, path, known):
    """``(imported module, line)`` of every import of ours in a module, anywhere in it."""
    base = name if package else name.rpartition('.')[0]
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split('.')[:len(base.split('.')) - node.level + 1]
                module = '.'.join(parts + ([node.module] if node.module else []))
            else:
                module = node.module or ''
            targets = [
                f'{module}.{a.name}' if f'{module}.{a.name}' in known else module
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split('.')[0] != PACKAGE:
                continue
            while target not in known and '.' in target:
                target = target.rpartition('.')[0]
            yield target, node.lineno


def part_of(module, order):
    """The row of the layer table a module belongs to: its own, or its package's."""
    rest = module.split('.')[1:]
    key = rest[0] if rest else '__init__'
    if key not in order:
        raise KeyError(key)
    return key


def violations(root, order):
    """Each import that does not point to a lower layer (or within its own part), and each
    part missing from the table, as a line."""
    known = modules_of(root)
    found = []
    for name, (package, path) in sorted(known.items()):
        try:
            here = part_of(name, order)
        except KeyError as err:
            found.append(f'{path}: {err} is in no layer of docs/architecture.md')
            continue
        for target, line in imports_of(name, package, path, known):
            try:
                there = part_of(target, order)
            except KeyError as err:
                found.append(f'{path}:{line}: {err} is in no layer of docs/architecture.md')
                continue
            if order[there][1] != order[here][1] and order[there][0] >= order[here][0]:
                found.append(f'{osp.relpath(path, root)}:{line} imports {target}: '
                             f'{order[here][1]} (layer {order[here][0]}) may not import '
                             f'{order[there][1]} (layer {order[there][0]})')
    return found


def test_imports_follow_the_layer_order_of_the_architecture_doc():
    order = layer_order(osp.join(REPO, 'docs', 'architecture.md'))
    assert len(order) >= 15, order  # the table was read
    assert violations(REPO, order) == []


def test_an_upward_import_is_caught(tmp_path):
    """The check itself: a foundation module importing the run, a lazy import inside a
    function included, is named with its line."""
    package = tmp_path / PACKAGE
    for sub in ('run', 'geo'):
        (package / sub).mkdir(parents=True)
        (package / sub / '__init__.py').write_text('')
    (package / '__init__.py').write_text('from . import run\n')
    (package / 'errors.py').write_text('def f():\n    from .run import loops\n')
    (package / 'run' / 'loops.py').write_text('from ..errors import f\nfrom ..geo import x\n')
    (package / 'geo' / 'x.py').write_text('from .. import errors\n')
    order = {
        'errors': (1, 'foundation'),
        'geo': (2, 'geo'),
        'run': (3, 'run'),
        '__init__': (9, 'registration')
    }
    assert violations(str(tmp_path), order) == [
        f'{PACKAGE}/errors.py:2 imports {PACKAGE}.run.loops: foundation (layer 1) may not '
        'import run (layer 3)'
    ]
    order['run'] = (2, 'run')  # geo and run on one layer: neither may import the other
    assert violations(str(tmp_path), order)[-1] == (
        f'{PACKAGE}/run/loops.py:2 imports {PACKAGE}.geo.x: run (layer 2) may not import geo '
        '(layer 2)')


UPSTREAM = ('mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain', 'pycocotools')
SNAPSHOT = '''
import importlib, inspect, sys
UPSTREAM = %r
# state an upstream registration function replaces itself: CheckpointLoader.register_scheme
# (our URL loader, custom_modules.checkpoints.urls) rebuilds its sorted scheme table
REGISTERED = ('mmengine.runner.checkpoint:CheckpointLoader._schemes', )
for name in ('mmengine.runner', 'mmengine.fileio', 'mmengine.hooks', 'mmengine.logging',
             'mmengine.evaluator', 'mmengine.optim', 'mmengine.model', 'mmengine.dataset',
             'mmcv.transforms', 'mmdet.evaluation', 'mmdet.models', 'mmdet.datasets',
             'mmseg.models', 'mmseg.datasets', 'mmseg.evaluation', 'mmpretrain.models',
             'mmpretrain.datasets', 'mmpretrain.evaluation', 'mmpretrain.utils.dependency',
             'pycocotools.coco', 'pycocotools.cocoeval'):
    importlib.import_module(name)

def attributes():
    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.split('.')[0] not in UPSTREAM:
            continue
        for key, value in list(vars(module).items()):
            if not inspect.ismodule(value):
                found[f'{name}:{key}'] = value
            if inspect.isclass(value) and value.__module__ == name:
                for attr, member in list(vars(value).items()):
                    found[f'{name}:{key}.{attr}'] = member
    return found

before = attributes()
if len(sys.argv) > 1:  # the check of the check: one patch as the old compat made it
    from mmengine.fileio.backends import LocalBackend
    LocalBackend.put = lambda self, obj, filepath: None
import custom_modules
from custom_modules import cli, compat, export, zoo  # noqa
from custom_modules.export import parity  # noqa
from custom_modules.zoo import publish, model_card  # noqa
for family in ('imrecog', 'objrecog', 'imseg', 'ssimrecog'):
    importlib.import_module(f'custom_modules.{family}')
compat.apply()
after = attributes()
modules = {k.split(':')[0] for k in before}
changed = [k for k, v in before.items() if k in after and after[k] is not v]
added = [k for k in after if k not in before and k.split(':')[0] in modules and '.' in k]
print('\\n'.join(sorted(k for k in changed + added
                         if k not in compat.REPLACED + REGISTERED)))
''' % (UPSTREAM, )


def _replaced(*argv):
    proc = subprocess.run([sys.executable, '-c', SNAPSHOT, *argv],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split()


@pytest.mark.parametrize('patched', [False, True])
def test_importing_every_family_replaces_no_upstream_attribute(patched):
    """Classes and module attributes of mmengine, mmcv, mmdet, mmseg, mmpretrain and
    pycocotools are the same objects before and after importing every family (and the
    tools' compat.apply), except compat.REPLACED; a replaced method is caught."""
    found = _replaced(*(['patch'] if patched else []))
    assert found == (['mmengine.fileio.backends.local_backend:LocalBackend.put'] if patched else [])


def test_every_family_declares_its_facts_once_in_its_folder():
    """Each family folder of configs/ has a declaration, its demo configs exist in it, its
    task is one of the runtime's, and the export knows its model types."""
    from custom_modules import families
    from custom_modules.deploy.tasks import TASKS
    declared = families.families()
    assert list(declared) == ['imrecog', 'objrecog', 'imseg', 'ssimrecog']
    assert set(declared) == {
        d
        for d in os.listdir(osp.join(REPO, 'configs'))
        if d != '_base_' and osp.isdir(osp.join(REPO, 'configs', d))
    }
    for name, facts in declared.items():
        assert facts['task'] in TASKS and set(facts['models'].values()) <= set(TASKS)
        for config in facts['demo_configs']:
            assert config.startswith(f'configs/{name}/') and osp.isfile(osp.join(REPO, config))
    assert families.of_model_type('RetinaNet') == ('detection', 'objrecog')
    assert families.of_model_type('NPairsEmbedder') == ('embedding', 'ssimrecog')
    with pytest.raises(Exception, match="unknown family 'nope'; choose from imrecog, objrecog"):
        families.family('nope')
