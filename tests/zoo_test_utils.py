"""Shared helpers: run our tools as a user would, from the repository root."""
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


def cache_as_published(made, url):
    """Put the checkpoint file ``made`` into the torch hub cache as a download of ``url``
    would leave it, under ``url``'s name with the hash of ``made`` in it (the cache checks
    the hash a name carries); returns that URL. Tests make weights: CI has no network."""
    import hashlib
    import shutil

    from custom_modules.zoo.weights import cache_path
    digest = hashlib.sha256(Path(made).read_bytes()).hexdigest()
    stem = url.rsplit('/', 1)[1].rsplit('-', 1)[0]
    url = f'{url.rsplit("/", 1)[0]}/{stem}-{digest[:8]}.pth'
    os.makedirs(os.path.dirname(cache_path(url)), exist_ok=True)
    shutil.copy(made, cache_path(url))
    return url


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


def run(args, timeout=600, check=True, env=None):
    """Run a command from the repository root; return the CompletedProcess."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.run([str(a) for a in args],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=timeout,
                          env=full_env)
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
