"""The plugin template trains from outside custom_modules."""
import json

from zoo_test_utils import QUICK, run_tool

CONFIG = 'projects/example_project/configs/tiny-convnet_1xb16-5e_demo-textures-64.py'


def test_example_project_trains_and_tests(tmp_path):
    run_tool('train.py', CONFIG, '--work-dir', tmp_path, '--cfg-options', *QUICK)
    assert 'TinyConvNet' in (tmp_path / 'tiny-convnet_1xb16-5e_demo-textures-64.py').read_text()
    run_tool('test.py', CONFIG, tmp_path / 'epoch_1.pth', '--work-dir', tmp_path)
    assert 'cls/accuracy' in json.loads((tmp_path / 'test_metrics.json').read_text())
