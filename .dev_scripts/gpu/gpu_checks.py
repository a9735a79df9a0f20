"""The GPU check: install the zoo on a GPU machine and prove it there, inside a fixed time
budget, leaving a short report. Standard library only (it runs before the install).

    bash .dev_scripts/gpu/run_gpu_checks.sh [--out DIR] [--budget 480] [--python python3]
        [--cpu-dry-run] [--skip-install] [--wheels .whl]

Stage 1, smoke:
  env       python, torch, CUDA, GPU, bf16, ninja, g++, nvcc
  install   the wheels of .dev_scripts/gpu/fetch_wheels.sh (``--wheels``) into /tmp, and mmcv from
            the carried sdist with tools/install/mmcv-2.1.0.patch: without compiled ops
            (the stand-in tools/install/mmcv_ext_standin.py as mmcv/_ext.py, seconds), as
            the default install; ZOO_MMCV_OPS=cpu builds its CPU ops (about 170 s on 16
            cores), ZOO_MMCV_OPS=cuda its CUDA kernels too
  syncs     the semi-supervised training steps never wait for the GPU
  train_*   one ``tools/train.py --amp`` run of every family's demo config (one epoch, or
            50 iterations), with every mmcv op raising (.dev_scripts/gpu/without_mmcv_ops.py)
  test_*    ``tools/test.py`` of each checkpoint, mmcv ops raising too
  dist      ``tools/dist_train.sh`` of the U-Net demo on one GPU
Stage 2, benchmarks: ``gpu_benchmarks.py`` one family at a time (RetinaNet R50-FPN at
  800x800, MobileNetV2, the 6-level U-Net, FixMatch; each next to its plain-PyTorch
  reference), bf16, batch 16, in the time left.

Each check runs under its own timeout, and none past ``--budget`` seconds from the start;
each result is printed as it comes and the report is rewritten after every check, so a
run cut off still reports. The output folder (``--out``, default ``$OUT``, else
work_dirs/gpu_checks) receives exactly three files: gpu_report.md, gpu_report.json and
logs.tar.gz; the work happens in ``--work`` (default /tmp/zoo-gpu-checks).

``--cpu-dry-run`` runs the same checks on the CPU with tiny sizes and without ``--amp``
(the test suite does, with ``--skip-install``, in its own environment).
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WORK = '/tmp/zoo-gpu-checks'  # --work
DEMOS = {
    'imrecog': 'configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py',
    'objrecog': 'configs/objrecog/retinanet_r18-fpn_1xb8-12e_demo-people-128.py',
    'imseg': 'configs/imseg/unet-4l_1xb8-15e_demo-shoreline-64.py',
    'ssimrecog':
    'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py',
}
ITERATION_BASED = {'ssimrecog'}
LOADERS_IN_PROCESS = [
    f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
    for key in ('num_workers=0', 'persistent_workers=False')
]
INSTALL = r'''
set -euo pipefail
"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$WHEELS"/*.whl
rm -rf "$MMCV_SRC" && mkdir -p "$(dirname "$MMCV_SRC")"
tar -xzf "$WHEELS"/mmcv-2.1.0.tar.gz -C "$(dirname "$MMCV_SRC")"
patch -d "$MMCV_SRC" -p1 --quiet < tools/install/mmcv-2.1.0.patch
case ${ZOO_MMCV_OPS:-none} in
    none)
        echo "mmcv without compiled ops: the stand-in tools/install/mmcv_ext_standin.py"
        cp tools/install/mmcv_ext_standin.py "$MMCV_SRC/mmcv/_ext.py" ;;
    cpu | cuda)
        ops=(CUDA_VISIBLE_DEVICES=)
        if [ "$ZOO_MMCV_OPS" = cuda ]; then
            ops=(FORCE_CUDA=1 "TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}")
        fi
        echo "building mmcv's $ZOO_MMCV_OPS ops with $(nproc) jobs"
        (cd "$MMCV_SRC" && env MMCV_WITH_OPS=1 MAX_JOBS=$(nproc) "${ops[@]}" PYTHONPATH="$SITE" \
            "$PY" setup.py build_ext --inplace > "$LOGS/mmcv_build.log" 2>&1) \
            || { tail -n 30 "$LOGS/mmcv_build.log"; exit 1; } ;;
    *) echo "ZOO_MMCV_OPS=$ZOO_MMCV_OPS: use none (the default), cpu or cuda"; exit 1 ;;
esac
"$PY" -c 'import mmcv._ext, mmengine, mmdet, mmseg, mmpretrain, custom_modules, torch
print("stack imports; mmcv", mmcv.__version__, "torch", torch.__version__)'
'''
ENV_FACTS = r'''
import json, platform, shutil, subprocess, sys
def first_line(*cmd):
    if not shutil.which(cmd[0]):
        return 'not found'
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[-1 if cmd[0] == 'nvcc' else 0] if lines else ''
facts = dict(python=platform.python_version(), ninja=first_line('ninja', '--version'),
             gxx=first_line('g++', '--version'), nvcc=first_line('nvcc', '--version'),
             cores=__import__('os').cpu_count())
try:
    import torch
    facts.update(torch=torch.__version__, cuda=torch.version.cuda,
                 cuda_available=torch.cuda.is_available())
    if torch.cuda.is_available():
        facts.update(gpu=torch.cuda.get_device_name(), bf16=torch.cuda.is_bf16_supported())
except ImportError as err:
    facts['torch'] = f'not importable: {err}'
print(json.dumps(facts))
'''


class Check:
    """One command under a timeout; ``command`` may be a function of the results so far
    (a test needs its training run's checkpoint)."""

    def __init__(self, name, stage, command, timeout, needs=(), env=None):
        self.name, self.stage, self.command, self.timeout = name, stage, command, timeout
        self.needs, self.env = needs, env or {}


def short_options(family, dry_run):
    if family in ITERATION_BASED:
        iters = 4 if dry_run else 50
        opts = [
            f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'param_scheduler.T_max={iters}', f'default_hooks.checkpoint.interval={iters}'
        ]
    else:
        opts = ['train_cfg.max_epochs=1']
        if dry_run:
            opts += [
                'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=4',
                'val_dataloader.dataset.indices=4'
            ]
    return opts + (LOADERS_IN_PROCESS if dry_run else [])


def checks(args):
    py, dry = args.python, args.cpu_dry_run
    amp = [] if dry else ['--amp']
    device = 'cpu' if dry else 'cuda'
    raising = [py, '.dev_scripts/gpu/without_mmcv_ops.py']
    found = [Check('env', 'smoke', [py, '-c', ENV_FACTS], 60)]
    installed = []  # what every later check needs
    if not args.skip_install:
        found.append(Check('install', 'smoke', ['bash', '-c', INSTALL], args.install_timeout))
        installed = ['install']
    found.append(
        Check(
            'syncs',
            'smoke', [py, '.dev_scripts/gpu/check_host_syncs.py', '--device', device],
            90,
            needs=installed))
    for family, config in DEMOS.items():
        work = osp.join(WORK, 'runs', family)
        found.append(
            Check(
                f'train_{family}',
                'smoke', [
                    *raising, 'tools/train.py', config, *amp, '--work-dir', work, '--cfg-options',
                    *short_options(family, dry)
                ],
                120,
                needs=installed))
        found.append(
            Check(
                f'test_{family}',
                'smoke',
                lambda config=config, work=work: [
                    *raising, 'tools/test.py', config,
                    last_checkpoint(work), '--work-dir',
                    osp.join(work, 'test'), *(['--cfg-options', *LOADERS_IN_PROCESS] if dry else [])
                ],
                90,
                needs=[*installed, f'train_{family}']))
    found.append(
        Check(
            'dist',
            'smoke', [
                'bash', 'tools/dist_train.sh', DEMOS['imseg'], '1', *amp, '--work-dir',
                osp.join(WORK, 'runs', 'dist'), '--cfg-options', *short_options('imseg', dry)
            ],
            120,
            needs=installed,
            env=dict(PYTHON=py, PORT='29671')))
    bench = ([
        '--device', 'cpu', '--small', '--batch', '2', '--iters', '1', '--warmup', '1', '--workers',
        '0'
    ] if dry else [
        '--device', 'cuda', '--amp', '--batch', '16', '--iters', '20', '--warmup', '5', '--workers',
        '8'
    ])
    for family in (['imseg'] if dry else ['objrecog', 'imrecog', 'imseg', 'ssimrecog']):
        found.append(
            Check(
                f'bench_{family}',
                'benchmarks', [
                    py, '.dev_scripts/benchmarks/gpu_benchmarks.py', '--families', family, *bench,
                    '--out-dir',
                    osp.join(WORK, 'bench', family)
                ],
                240,
                needs=installed))
    return found


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


class Report:
    """Results so far, written to ``out`` after every check."""

    def __init__(self, out, args, start):
        self.out, self.args, self.start, self.results, self.facts = out, args, start, [], {}

    def add(self, check, status, seconds, tail):
        self.results.append(
            dict(
                name=check.name,
                stage=check.stage,
                status=status,
                seconds=round(seconds, 1),
                tail=tail))
        if check.name == 'env' and status == 'pass':
            try:
                self.facts = json.loads(tail[-1])
            except (ValueError, IndexError):
                pass
        self.write()

    def benchmarks(self):
        rows = {}
        for path in sorted(glob.glob(osp.join(WORK, 'bench', '*', 'benchmarks.json'))):
            with open(path) as f:
                rows.update(json.load(f))
        return rows

    def write(self):
        bench = self.benchmarks()
        mode = 'CPU dry run' if self.args.cpu_dry_run else 'GPU'
        report = dict(
            mode=mode,
            budget_s=self.args.budget,
            date=time.strftime('%Y-%m-%d'),
            elapsed_s=round(time.time() - self.start, 1),
            environment=self.facts,
            checks=self.results,
            benchmarks=bench)
        with open(osp.join(self.out, 'gpu_report.json'), 'w') as f:
            json.dump(report, f, indent=1)
        lines = [
            f'# GPU checks ({mode}), {report["date"]}', '',
            f'{report["elapsed_s"]} s of a {self.args.budget} s budget. Environment: ' +
            ', '.join(f'{k} {v}' for k, v in self.facts.items()), '',
            '| check | stage | result | seconds | last output |', '|---|---|---|---|---|'
        ]
        for r in self.results:
            last = r['tail'][-1].replace('|', '/')[:160] if r['tail'] else ''
            lines.append(f"| {r['name']} | {r['stage']} | {r['status']} | {r['seconds']} | "
                         f'{last} |')
        if bench:
            lines += [
                '', '## Benchmarks (images/s)', '',
                '| family | runner | plain loop | runner / plain | reference | '
                'reference images/s | ours / reference |', '|---|---|---|---|---|---|---|'
            ]
            for family, result in bench.items():
                ours, ref = result['ours']['images_per_s'], result.get('reference')
                ref_cells = (f"{ref['model']} | {ref['images_per_s']:.1f} | "
                             f"{ours['runner'] / ref['images_per_s']:.2f}" if ref else '- | - | -')
                lines.append(f"| {family} | {ours['runner']:.1f} | {ours['plain']:.1f} | "
                             f"{ours['ratio']:.3f} | {ref_cells} |")
        with open(osp.join(self.out, 'gpu_report.md'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        with tarfile.open(osp.join(self.out, 'logs.tar.gz'), 'w:gz') as tar:
            tar.add(osp.join(WORK, 'logs'), arcname='logs')


def run_check(check, deadline, results, env):
    """Status (pass, fail, timeout, skipped), seconds and the output's last lines."""
    missing = [n for n in check.needs if results.get(n) != 'pass']
    if missing:
        return 'skipped', 0.0, [f'needs {", ".join(missing)}']
    timeout = min(check.timeout, deadline - time.time())
    if timeout < 10:
        return 'skipped', 0.0, ['out of time budget']
    command = check.command() if callable(check.command) else check.command
    log_path = osp.join(WORK, 'logs', f'{check.name}.log')
    start = time.time()
    with open(log_path, 'w') as log:
        log.write('$ ' + ' '.join(map(str, command)) + '\n')
        log.flush()
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env, **check.env),
            start_new_session=True)
        try:
            status = 'pass' if proc.wait(timeout=timeout) == 0 else 'fail'
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            status = 'timeout'
    with open(log_path, errors='replace') as log:
        tail = [line.rstrip() for line in log.read().splitlines()[-15:] if line.strip()]
    return status, time.time() - start, tail


def missing_wheels(folder):
    """What is missing from ``folder`` for the install check, or None: the wheels and the
    mmcv sdist that ``fetch_wheels.sh`` gathers (without them pip says only "*.whl is not a
    valid wheel filename")."""
    if not osp.isdir(folder):
        return f'--wheels {folder}: no such folder'
    if not glob.glob(osp.join(folder, '*.whl')):
        return f'--wheels {folder}: no wheels in it'
    if not osp.isfile(osp.join(folder, 'mmcv-2.1.0.tar.gz')):
        return f'--wheels {folder}: the mmcv 2.1.0 sdist is not in it'
    return None


def main():
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.environ.get('OUT') or 'work_dirs/gpu_checks')
    parser.add_argument('--budget', type=float, default=480, help='seconds for everything')
    parser.add_argument('--python', default='python3', help='the interpreter with torch')
    parser.add_argument('--wheels', default='.whl', help='folder of fetch_wheels.sh')
    parser.add_argument(
        '--install-timeout',
        type=float,
        default=300,
        help='seconds for the install (seconds; with ZOO_MMCV_OPS=cpu the mmcv build takes '
        'about 170 s on 16 cores)')
    parser.add_argument('--work', default=WORK, help='scratch folder, emptied first')
    parser.add_argument('--cpu-dry-run', action='store_true')
    parser.add_argument(
        '--skip-install',
        action='store_true',
        help='use the environment as it is (the stack already installed)')
    args = parser.parse_args()
    if not args.skip_install:
        missing = missing_wheels(args.wheels)
        if missing:
            sys.exit(f'error: {missing}: run .dev_scripts/gpu/fetch_wheels.sh {args.wheels} where '
                     'there is network first, and bring that folder along (or --skip-install '
                     'where the stack is installed)')
    WORK = args.work
    start = time.time()
    deadline = start + args.budget
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(osp.join(WORK, 'logs'))
    os.makedirs(args.out, exist_ok=True)
    site, mmcv_src = osp.join(WORK, 'site'), osp.join(WORK, 'build', 'mmcv-2.1.0')
    env = dict(
        os.environ,
        PYTHONUNBUFFERED='1',
        PY=args.python,
        SITE=site,
        REPO=REPO,
        MMCV_SRC=mmcv_src,
        LOGS=osp.join(WORK, 'logs'),
        WHEELS=osp.abspath(args.wheels))
    if not args.skip_install:
        env['PYTHONPATH'] = os.pathsep.join(
            [site, mmcv_src, REPO, *filter(None, [os.environ.get('PYTHONPATH')])])
    if args.cpu_dry_run:
        env['CUDA_VISIBLE_DEVICES'] = ''
    report, results = Report(args.out, args, start), {}
    for check in checks(args):
        status, seconds, tail = run_check(check, deadline, results, env)
        results[check.name] = status
        report.add(check, status, seconds, tail)
        print(
            f'[{time.time() - start:5.0f}s] {status.upper():7} {check.name} ({seconds:.0f} s)' +
            (f': {tail[-1][:200]}' if tail and status != 'pass' else ''),
            flush=True)
    failed = [n for n, s in results.items() if s in ('fail', 'timeout')]
    print(f'report: {osp.join(args.out, "gpu_report.md")}; ' +
          (f'failed: {", ".join(failed)}' if failed else 'no check failed'))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
