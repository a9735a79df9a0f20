"""int8 export: every task's model quantised and kept only within its metric bound, the
metric it is judged by equal to what tools/test.py reports, and predicted at either
precision by the runtime."""
import json
import shutil
import sys

import onnx
import pytest

from zoo_test_utils import EXPORTED, run, run_tool

TASKS = ['imrecog', 'objrecog', 'imseg', 'ssimrecog-npairs']
# tools/test.py's key of each headline metric the export reports, and its scale to points
TEST_KEYS = {
    'top-1': ('cls/accuracy', 1),
    'mAP': ('coco/bbox_mAP', 100),
    'mAP50': ('coco/bbox_mAP_50', 100),
    'mIoU': ('mIoU', 1),
    'kNN top-1': ('knn/top1_k5', 1),
}


@pytest.fixture
def exported(exported):
    return lambda name: exported(*EXPORTED[name])


def int8_export(config, checkpoint, out, *args):
    return run_tool(
        'export_onnx.py',
        config,
        checkpoint,
        '--out',
        out,
        '--int8',
        '--calib',
        '16',
        *args,
        tool_dir='tools/deployment',
        check=False)


@pytest.mark.parametrize('name', TASKS)
def test_int8_export_is_quantised_scored_as_tools_test_scores_and_predicts(
        exported, name, tmp_path):
    config, checkpoint, _, _ = exported(name)
    out = tmp_path / 'onnx'
    proc = int8_export(config, checkpoint, out)
    assert proc.returncode == 0, proc.stderr
    assert f'wrote {out / "model.int8.onnx"}' in proc.stdout
    spec = json.loads((out / 'model.json').read_text())
    assert spec['precisions'] == {'fp32': 'model.onnx', 'int8': 'model.int8.onnx'}
    scored = spec['int8']['test_split']
    assert spec['int8']['calibration'] == 16 and spec['int8']['max_loss'] == 1.0
    for metric, fp32 in scored['fp32'].items():
        assert fp32 - scored['int8'][metric] <= 1.0
    # really int8: quantised weights and the quantise/dequantise pairs around the convolutions
    graph = onnx.load(str(out / 'model.int8.onnx')).graph
    ops = {node.op_type for node in graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear'} <= ops
    assert any(t.data_type == onnx.TensorProto.INT8 and len(t.dims) == 4 for t in graph.initializer)
    assert (out / 'model.int8.onnx').stat().st_size < 0.5 * (out / 'model.onnx').stat().st_size
    # the fp32 side of the comparison is the metric tools/test.py gives the checkpoint
    run_tool('test.py', config, checkpoint, '--work-dir', tmp_path / 'test')
    reported = json.loads((tmp_path / 'test' / 'test_metrics.json').read_text())
    for metric, fp32 in scored['fp32'].items():
        key, scale = TEST_KEYS[metric]
        assert fp32 == pytest.approx(reported[key] * scale, abs=0.01), (metric, reported)
    # and the runtime predicts with it
    run([
        sys.executable, '-m', 'custom_modules.deploy', 'predict', out, VAL[name], '--out-dir',
        tmp_path / 'pred', '--precision', 'int8'
    ])
    assert any((tmp_path / 'pred').iterdir())


VAL = {
    'imrecog': 'data/demo/imrecog/val/marsh',
    'objrecog': 'data/demo/objrecog/images/val',
    'imseg': 'data/demo/imseg/images/val',
    'ssimrecog-npairs': 'data/demo/ssimrecog/val/water',
}


def test_an_int8_model_over_the_bound_is_not_written(exported, tmp_path):
    config, checkpoint, _, _ = exported('imrecog')
    out = tmp_path / 'onnx'
    proc = int8_export(config, checkpoint, out, '--max-loss', '-100')  # any loss is over it
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert line.startswith('error: int8 (16 calibration inputs) against fp32 on the test split: '
                           'top-1 ') and len(line.splitlines()) == 1
    assert line.endswith('(bound -100.0): over the bound, int8 model not written; calibrate on '
                         'more images (--calib), or raise --max-loss')
    assert sorted(p.name for p in out.iterdir()) == ['model.json', 'model.onnx']
    assert 'int8' not in json.loads((out / 'model.json').read_text())


def test_int8_is_refused_where_the_folder_has_none(exported, tmp_path):
    _, _, model_dir, _ = exported('imseg')
    proc = run([
        sys.executable, '-m', 'custom_modules.deploy', 'predict', model_dir,
        'data/demo/imseg/images/val', '--out-dir', tmp_path, '--precision', 'int8'
    ],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f'error: {model_dir} holds no int8 model (it holds fp32): export it with '
        f'python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out {model_dir} --int8')


def test_a_new_export_removes_the_int8_model_of_other_weights(exported, tmp_path):
    config, checkpoint, model_dir, _ = exported('imseg')
    shutil.copytree(model_dir, tmp_path / 'onnx')
    (tmp_path / 'onnx' / 'model.int8.onnx').write_bytes(b'stale')
    run_tool(
        'export_onnx.py',
        config,
        checkpoint,
        '--out',
        tmp_path / 'onnx',
        tool_dir='tools/deployment')
    assert not (tmp_path / 'onnx' / 'model.int8.onnx').exists()
