"""The benchmark tool runs on CPU and emits well-formed JSON (no timing assertions)."""
import json
import sys

from zoo_test_utils import DEMO_CONFIGS, run


def test_benchmark_emits_json_with_every_measurement(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run([sys.executable, 'tools/analysis_tools/benchmark.py', DEMO_CONFIGS['imrecog'],
                '--batch', '4', '--iters', '2', '--warmup', '1', '--workers', '0',
                '--channels-last', '--work-dir', tmp_path, '--out', out])
    report = json.loads(out.read_text())
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == report
    assert report['batch'] == 4 and report['device'] == 'cpu' and report['amp'] is False
    speeds = report['images_per_s']
    assert set(speeds) == {'runner', 'plain', 'ratio', 'inference', 'runner_end_to_end', 'data'}
    assert all(speeds[k] > 0 for k in ('runner', 'plain', 'inference', 'runner_end_to_end'))
    assert speeds['ratio'] == speeds['runner'] / speeds['plain']
    assert set(speeds['data']) == {'0'} and speeds['data']['0'] > 0
    assert '| **runner / plain** |' in proc.stdout


def test_benchmark_without_a_gpu_is_one_line(tmp_path):
    proc = run([sys.executable, 'tools/analysis_tools/benchmark.py', DEMO_CONFIGS['imrecog'],
                '--device', 'cuda', '--work-dir', tmp_path], check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == 'error: --device cuda: no CUDA GPU is visible'
