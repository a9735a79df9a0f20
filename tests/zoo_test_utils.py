"""Shared helpers: run our tools as a user would, from the repository root."""
import multiprocessing.forkserver
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIGS = {
    'imrecog': 'configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py',
    'objrecog': 'configs/objrecog/retinanet_r18-fpn_1xb8-12e_demo-people-128.py',
    'imseg': 'configs/imseg/unet-4l_1xb8-15e_demo-shoreline-64.py',
}
# Data loading in the training process: no worker start-up in short test runs.
IN_PROCESS_LOADERS = [
    'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0',
    'val_dataloader.persistent_workers=False',
]
# Short runs for tests: few images, one epoch, no extra workers.
QUICK = [
    'train_cfg.max_epochs=1',
    'train_dataloader.dataset.indices=16',
    'val_dataloader.dataset.indices=8',
    *IN_PROCESS_LOADERS,
]

NPAIRS = 'configs/ssimrecog/npairs_course-embed8_1xb8-1000it_demo-textures.py'
FIXMATCH = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'
ITERS = [
    'train_cfg.max_iters=10', 'train_cfg.val_interval=10', 'param_scheduler.T_max=10',
    'default_hooks.checkpoint.interval=10', *IN_PROCESS_LOADERS
]
# (config, training options, checkpoint): short runs; parity needs no accuracy, but the
# detector needs some confident boxes to compare (after 3 epochs it had 8 boxes scoring
# >= 0.05 on the 40 val images on one 2-core machine and over 20 on another; after 5, 290)
EXPORTED = {
    'imrecog': (DEMO_CONFIGS['imrecog'], QUICK, 'epoch_1.pth'),
    'objrecog': (DEMO_CONFIGS['objrecog'], [
        *QUICK[1:], 'train_cfg.max_epochs=5', 'train_dataloader.dataset.indices=96',
        'param_scheduler.start=0.01'
    ], 'epoch_5.pth'),
    'imseg': (DEMO_CONFIGS['imseg'], QUICK, 'epoch_1.pth'),
    'ssimrecog-npairs': (NPAIRS, ITERS, 'iter_10.pth'),
    'ssimrecog-fixmatch': (FIXMATCH, ITERS, 'iter_10.pth'),
}


def cache_as_published(made, url):
    """Put the checkpoint file ``made`` into the torch hub cache as a download of ``url``
    would leave it, under ``url``'s name with the hash of ``made`` in it (the cache checks
    the hash a name carries); returns that URL. Tests make weights: CI has no network."""
    import hashlib
    import shutil

    from custom_modules.checkpoints.urls import cache_path
    digest = hashlib.sha256(Path(made).read_bytes()).hexdigest()
    stem = url.rsplit('/', 1)[1].rsplit('-', 1)[0]
    url = f'{url.rsplit("/", 1)[0]}/{stem}-{digest[:8]}.pth'
    os.makedirs(os.path.dirname(cache_path(url)), exist_ok=True)
    shutil.copy(made, cache_path(url))
    return url


def copy_work_dir(work, to):
    """A copy of the work dir ``work`` at ``to`` (made or merged into), as if the run had
    trained there: ``last_checkpoint`` names the copy's checkpoint."""
    import shutil
    shutil.copytree(work, to, dirs_exist_ok=True)
    last = Path(to) / 'last_checkpoint'
    if last.exists():
        last.write_text(str(Path(to) / Path(last.read_text().strip()).name))
    return Path(to)


def write_images(paths, size=64):
    """A random RGB image (seeded) at each of ``paths``, folders created."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(path)


def one_epoch(batch_size, val_batch_size=None):
    """``--cfg-options`` for one epoch at ``batch_size``, loading in the process."""
    sizes = [f'train_dataloader.batch_size={batch_size}']
    if val_batch_size:
        sizes.append(f'val_dataloader.batch_size={val_batch_size}')
    return ['train_cfg.max_epochs=1', *sizes, *IN_PROCESS_LOADERS]


# Python tools run as forks of one process that has imported what the tools import: torch,
# mmengine, custom_modules.cli and the families with their toolboxes (about 5 s a run on 2
# cores). A forked tool is still a process of its own, with its own exit code, stdout,
# stderr, modules past the preload and atexit handlers. The families being imported already,
# a config that forgot its family's custom_imports would still run here: test_configs checks
# every config's custom_imports instead, and the GPU script's dry run and the seed comparison
# start the demo configs in new interpreters. A run whose environment differs from the
# preloaded process's in anything but _NOT_READ_AT_IMPORT starts a new interpreter: such a
# variable may act at import.
_TOOLS_PRELOAD = [
    'custom_modules.cli', 'custom_modules.imrecog', 'custom_modules.objrecog',
    'custom_modules.imseg', 'custom_modules.ssimrecog'
]
# TORCH_HOME: read by torch.hub.get_dir() at each call; PYTHONPATH: put on the child's
# sys.path after the script's folder, where the interpreter puts it; PYTHONUNBUFFERED: the
# child's streams are unbuffered anyway; PYTEST_CURRENT_TEST: pytest's note of the test
# running, which changes with every test.
_NOT_READ_AT_IMPORT = {'TORCH_HOME', 'PYTHONPATH', 'PYTHONUNBUFFERED', 'PYTEST_CURRENT_TEST'}
_forkserver = None
_forkserver_env = None


def _forked_tool(argv, env, stdout_path, stderr_path):
    """The child: a fresh ``python argv...`` as far as the tool can tell."""
    import atexit
    import io
    import runpy
    import traceback
    os.environ.clear()
    os.environ.update(env)
    os.chdir(REPO)
    for fd, path in ((1, stdout_path), (2, stderr_path)):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, fd)
        os.close(out)
    # unbuffered text streams on the new descriptors, as PYTHONUNBUFFERED=1 gives
    sys.stdout = io.TextIOWrapper(open(1, 'wb', buffering=0, closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(
        open(2, 'wb', buffering=0, closefd=False), write_through=True, errors='backslashreplace')
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
    extra = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
    sys.path[1:1] = [os.path.abspath(p) for p in extra if os.path.abspath(p) not in sys.path]
    code = 0
    try:
        runpy.run_path(argv[0], run_name='__main__')
    except SystemExit as exit_:  # what the interpreter does with sys.exit(x)
        if exit_.code is None:
            code = 0
        elif isinstance(exit_.code, int):
            code = exit_.code
        else:
            print(exit_.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _forkable(args, full_env):
    """Whether ``args`` is ``python tools/...py`` in an environment the preloaded process
    (started now if it is not running) stands for."""
    global _forkserver, _forkserver_env
    if not (len(args) > 1 and args[0] == sys.executable and args[1].startswith('tools/')
            and args[1].endswith('.py')):
        return False
    if _forkserver is None:  # it starts now, with this process's environment
        _forkserver = multiprocessing.get_context('forkserver')
        _forkserver.set_forkserver_preload(_TOOLS_PRELOAD)
        multiprocessing.forkserver.ensure_running()
        _forkserver_env = dict(os.environ)
    names = set(full_env) | set(_forkserver_env)
    return all(
        full_env.get(k) == _forkserver_env.get(k) for k in names if k not in _NOT_READ_AT_IMPORT)


def _forked_run(args, timeout, full_env):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out, err = os.path.join(tmp, 'stdout'), os.path.join(tmp, 'stderr')
        child = _forkserver.Process(target=_forked_tool, args=(args[1:], full_env, out, err))
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(args, timeout)
        with open(out, errors='replace') as o, open(err, errors='replace') as e:
            return subprocess.CompletedProcess(args, child.exitcode, o.read(), e.read())


def run(args, timeout=600, check=True, env=None):
    """Run a command from the repository root; return the CompletedProcess. A tool
    (``python tools/...py``) run in the test's own environment is forked from the preloaded
    process; anything else (a helper that patches a module before the tool imports it,
    ``-c``, ``-m``, an environment that may act at import) starts a new interpreter."""
    args = [str(a) for a in args]
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    if _forkable(args, full_env):
        proc = _forked_run(args, timeout, full_env)
    else:
        proc = subprocess.run(
            args, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env)
    if check and proc.returncode != 0:
        pytest.fail(f'{" ".join(map(str, args))} exited {proc.returncode}\n'
                    f'--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}')
    return proc


def run_tool(tool, *args, tool_dir='tools', **kwargs):
    """Run ``<tool_dir>/<tool>`` with this interpreter."""
    return run([sys.executable, f'{tool_dir}/{tool}', *args], **kwargs)


def run_ranks(args, world_size, port, timeout=300, env=None):
    """Start ``args`` as the ranks of one gloo job (``--launcher pytorch``), each its own
    process with RANK/WORLD_SIZE set, as torchrun would, but without torchrun's agent,
    which kills the other ranks when one exits: the test sees what each rank did alone.
    Returns one CompletedProcess a rank; a rank still running at ``timeout`` fails the test.
    """
    procs = []
    for rank in range(world_size):
        rank_env = dict(
            os.environ,
            PYTHONUNBUFFERED='1',
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE=str(world_size),
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(port),
            **(env or {}))
        procs.append(
            subprocess.Popen([str(a) for a in args],
                             cwd=REPO,
                             env=rank_env,
                             text=True,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE))
    results = []
    for rank, proc in enumerate(procs):
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            pytest.fail(f'rank {rank} of {" ".join(map(str, args))} still runs after {timeout} s')
        results.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    return results


def runner_evaluating(metric, log_dir):
    """A stand-in runner whose validation and test loops evaluate with ``metric``: enough
    for the hooks that draw a metric's saved results."""
    loop = SimpleNamespace(evaluator=SimpleNamespace(metrics=[metric]))
    return SimpleNamespace(log_dir=log_dir, val_loop=loop, test_loop=loop)


class SquareDetector:
    """A stand-in detector that finds every white square exactly (its connected
    components), so that tiling is tested on its own: what the tiles see is what a
    detector sees, cut objects included. Put in a ``Predictor``'s ``predict_whole``."""

    def __call__(self, img):
        import cv2
        import numpy as np
        count, _, stats, _ = cv2.connectedComponentsWithStats((img[..., 0] > 128).astype(np.uint8))
        boxes = np.float32([[x, y, x + w, y + h]
                            for x, y, w, h, _ in stats[1:count]]).reshape(-1, 4)
        return dict(
            boxes=boxes,
            scores=np.ones(len(boxes), np.float32),
            labels=np.zeros(len(boxes), np.int64))
