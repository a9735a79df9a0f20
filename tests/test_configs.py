"""Every config in the zoo loads and builds its model in its own scope."""
import importlib
import re
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

from zoo_test_utils import REPO

CONFIGS = sorted(
    str(p.relative_to(REPO))
    for p in [*REPO.glob('configs/**/*.py'), *REPO.glob('projects/*/configs/*.py')]
    if '_base_' not in p.parts)


def test_every_family_has_configs():
    families = {Path(c).parts[1] for c in CONFIGS if c.startswith('configs/')}
    assert families == {'imrecog', 'objrecog', 'imseg', 'ssimrecog'}


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope in ('mmpretrain', 'mmdet', 'mmseg')
    # the family's modules come from the config itself (the tests' tool processes have
    # every family imported already: zoo_test_utils._TOOLS_PRELOAD)
    family = Path(path).parts[1] if path.startswith('configs/') else 'imrecog'
    assert f'custom_modules.{family}' in cfg.custom_imports.imports, path
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    models = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    model = models.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


# {model}[_{backbone}]_{GPUs}xb{batch}[+{unlabelled batch}]-{schedule}_{dataset}[-{size}]
NAME = re.compile(r'^[a-z0-9-]+(_[a-z0-9-]+)?_\d+xb\d+(\+\d+)?-\d+(e|it)_[a-z0-9-]+$')


def test_config_names_follow_openmmlab_style():
    assert NAME.match('retinanet_r50-fpn_1xb8-50e_secoora-person-800')
    assert NAME.match('fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc')
    for bad in ('retinanet_r50', 'unet_1xb4_obx', 'unet-6l_1xb4-50_obx', 'Unet_1xb4-5e_obx'):
        assert not NAME.match(bad), bad
    for path in CONFIGS:
        assert NAME.match(Path(path).stem), (
            f'{path}: expected {{model}}_{{backbone}}_{{GPUs}}xb{{batch}}-{{schedule}}_{{dataset}}')


def test_metafiles_list_exactly_the_family_configs():
    import yaml
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    for metafile in index['Import']:
        folder = (REPO / metafile).parent
        models = yaml.safe_load((REPO / metafile).read_text())['Models']
        listed = sorted(m['Config'] for m in models)
        present = sorted(str(p.relative_to(REPO)) for p in folder.glob('*.py'))
        assert listed == present, f'{metafile} and the configs in {folder} disagree'
        assert all(m['Name'] == Path(m['Config']).stem for m in models)
