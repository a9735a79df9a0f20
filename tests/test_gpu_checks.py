""".dev_scripts/gpu/run_gpu_checks.sh dry-runs on the CPU and stays inside the device's limits on
what comes back (at most 8 files, at most 2 folders down) and inside its time budget. Its
dry run is also the proof that every family's demo config trains and tests with each of
mmcv's compiled ops raising, in new interpreters (what test_without_mmcv_ops did too)."""
import json
import sys
import tarfile
import time

from zoo_test_utils import run

SCRIPT = [
    'bash', '.dev_scripts/gpu/run_gpu_checks.sh', '--cpu-dry-run', '--skip-install', '--python',
    sys.executable
]
CHECKS = [
    'env', 'syncs', 'train_imrecog', 'test_imrecog', 'train_objrecog', 'test_objrecog',
    'train_imseg', 'test_imseg', 'train_ssimrecog', 'test_ssimrecog', 'dist', 'bench_imseg'
]


def test_dry_run_passes_every_check_and_writes_three_files(tmp_path):
    out = tmp_path / 'out'
    proc = run([*SCRIPT, '--out', out, '--work', tmp_path / 'work'], timeout=900)
    assert 'no check failed' in proc.stdout
    assert sorted(p.relative_to(out).as_posix()
                  for p in out.rglob('*')) == ['gpu_report.json', 'gpu_report.md', 'logs.tar.gz']
    report = json.loads((out / 'gpu_report.json').read_text())
    assert [(c['name'], c['status']) for c in report['checks']] == [(n, 'pass') for n in CHECKS]
    assert report['environment']['python'] and 'torch' in report['environment']
    assert report['benchmarks']['imseg']['ours']['images_per_s']['ratio'] > 0
    markdown = (out / 'gpu_report.md').read_text()
    assert '| train_objrecog | smoke | pass |' in markdown and '## Benchmarks' in markdown
    with tarfile.open(out / 'logs.tar.gz') as tar:
        assert {f'logs/{n}.log' for n in CHECKS} <= set(tar.getnames())
    for name in CHECKS[2:10]:  # every training and test ran with mmcv's ops raising
        assert 'called: none' in report['checks'][CHECKS.index(name)]['tail'][-1], name
    for family in ('imrecog', 'objrecog', 'imseg', 'ssimrecog'):  # and every test scored
        assert (tmp_path / 'work' / 'runs' / family / 'test' / 'test_metrics.json').exists()


def test_the_budget_bounds_the_whole_run(tmp_path):
    start = time.time()
    proc = run([*SCRIPT, '--out', tmp_path / 'out', '--work', tmp_path / 'work', '--budget', '25'],
               timeout=300,
               check=False)
    assert time.time() - start < 25 + 20  # start-up, the last report and the tarball
    report = json.loads((tmp_path / 'out' / 'gpu_report.json').read_text())
    statuses = {c['name']: c['status'] for c in report['checks']}
    assert statuses['env'] == 'pass'
    assert 'skipped' in statuses.values()  # what no longer fits is not started
    assert all(c['tail'] == ['out of time budget'] for c in report['checks']
               if c['status'] == 'skipped' and not c['tail'][0].startswith('needs'))
    assert proc.returncode in (0, 1)


def test_without_fetched_wheels_one_line_names_fetch_wheels(tmp_path):
    """No .whl/ folder, an empty one, or one without the mmcv sdist: one line naming
    fetch_wheels.sh before any check runs (pip said "*.whl is not a valid wheel filename")."""
    empty = tmp_path / 'empty'
    empty.mkdir()
    only_wheels = tmp_path / 'only_wheels'
    only_wheels.mkdir()
    (only_wheels / 'addict-2.4.0-py3-none-any.whl').write_bytes(b'')
    for folder, problem in [(tmp_path / 'none', 'no such folder'), (empty, 'no wheels in it'),
                            (only_wheels, 'the mmcv 2.1.0 sdist is not in it')]:
        proc = run([
            'bash', '.dev_scripts/gpu/run_gpu_checks.sh', '--wheels', folder, '--out',
            tmp_path / 'out', '--work', tmp_path / 'work'
        ],
                   check=False)
        assert proc.returncode == 1
        assert proc.stderr.strip() == (
            f'error: --wheels {folder}: {problem}: run .dev_scripts/gpu/fetch_wheels.sh '
            f'{folder} where there is network first, and bring that folder along (or '
            '--skip-install where the stack is installed)')
        assert not (tmp_path / 'out').exists()
