"""Every config in the zoo loads and builds its model in its own scope."""
import importlib
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


def test_there_are_configs():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope in ('mmpretrain', 'mmdet', 'mmseg')
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    models = importlib.import_module(f'{cfg.default_scope}.registry').MODELS
    model = models.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


def test_config_names_follow_openmmlab_style():
    for path in CONFIGS:
        name = Path(path).stem
        assert '_' in name and 'xb' in name, f'{path}: expected {{model}}_{{GPUs}}xb{{batch}}-...'


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
