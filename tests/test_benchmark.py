"""The benchmark tool runs on CPU and emits well-formed JSON (no timing assertions)."""
import json
import sys

from zoo_test_utils import DEMO_CONFIGS, run


def test_benchmark_emits_json_with_every_measurement(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run([
        sys.executable, 'tools/analysis_tools/benchmark.py', DEMO_CONFIGS['imrecog'], '--batch',
        '4', '--iters', '2', '--warmup', '1', '--workers', '0', '--channels-last', '--work-dir',
        tmp_path, '--out', out
    ])
    report = json.loads(out.read_text())
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == report
    assert report['batch'] == 4 and report['device'] == 'cpu' and report['amp'] is False
    speeds = report['images_per_s']
    assert set(speeds) == {
        'runner', 'plain', 'plain_before', 'plain_after', 'ratio', 'inference', 'runner_end_to_end',
        'data'
    }
    assert all(speeds[k] > 0 for k in ('runner', 'plain', 'inference', 'runner_end_to_end'))
    assert set(speeds['data']) == {'0'} and speeds['data']['0'] > 0
    assert '| **runner / plain** |' in proc.stdout


def test_benchmark_without_a_gpu_is_one_line(tmp_path):
    proc = run([
        sys.executable, 'tools/analysis_tools/benchmark.py', DEMO_CONFIGS['imrecog'], '--device',
        'cuda', '--work-dir', tmp_path
    ],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == 'error: --device cuda: no CUDA GPU is visible'


def test_references_run_on_cpu(tmp_path):
    for reference in ('retinanet', 'mobilenetv2', 'unet'):
        out = tmp_path / f'{reference}.json'
        run([
            sys.executable, '.dev_scripts/benchmarks/reference_benchmarks.py', reference, '--batch',
            '2', '--size', '64', '--iters', '1', '--warmup', '0', '--out', out
        ])
        report = json.loads(out.read_text())
        assert report['reference'] == reference and report['images_per_s'] > 0


def test_gpu_benchmark_driver_dry_run_on_cpu(tmp_path):
    run([
        sys.executable, '.dev_scripts/benchmarks/gpu_benchmarks.py', '--device', 'cpu', '--small',
        '--batch', '2', '--iters', '1', '--warmup', '1', '--workers', '0', '--families', 'imseg',
        '--out-dir', tmp_path
    ],
        timeout=900)
    results = json.loads((tmp_path / 'benchmarks.json').read_text())
    assert results['imseg']['reference']['model'].startswith('plain U-Net')
    assert results['imseg']['ours']['batch'] == 2
    assert '| imseg |' in (tmp_path / 'benchmarks.md').read_text()


def test_benchmark_amp_runs_runner_and_plain_loop_in_bf16_on_cpu(tmp_path):
    out = tmp_path / 'bench.json'
    run([
        sys.executable, 'tools/analysis_tools/benchmark.py', DEMO_CONFIGS['imseg'], '--amp',
        '--batch', '2', '--iters', '1', '--warmup', '1', '--workers', '0', '--work-dir', tmp_path,
        '--out', out
    ])
    report = json.loads(out.read_text())
    assert report['amp'] == 'bfloat16'
    assert report['images_per_s']['runner'] > 0 and report['images_per_s']['plain'] > 0


def test_inference_benchmark_times_and_scores_eager_fp32_and_int8(tmp_path):
    out = tmp_path / 'inference.json'
    proc = run([
        sys.executable, 'tools/analysis_tools/benchmark_inference.py', '--configs',
        DEMO_CONFIGS['imrecog'], '--untrained', '--iters', '2', '--calib', '8', '--out', out
    ])
    result = json.loads(out.read_text())['results'][0]
    for side in ('eager', 'fp32', 'int8'):
        assert result[f'{side}_batch1_ms'] > 0 and result[f'{side}_batch16_img_s'] > 0
    assert '| course-convnet_1xb16-20e_demo-textures-64 | classification | untrained | ' \
        in proc.stdout
