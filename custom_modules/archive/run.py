"""The client side of an archive run: which rasters to predict (the manifest), the Dask
tasks of each (``work``), a progress bar, and the archive's files at the end.

The client submits one ``plan`` task a raster, which predicts a raster of one block at
once; when the plan of a larger raster comes back, a task a block and a ``finish``. A bad
raster fails at its plan, in one line, while the others go on. Dask reschedules the task
of a worker that dies (up to its ``allowed-failures``, then the raster fails with that
reason).
"""
import hashlib
import json
import os.path as osp
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from . import work
from .manifest import Manifest
from .outputs import write_archive_outputs
from .sources import signature


def model_key(model, options):
    """A hash of the model's files and of every option that changes an output."""
    digest = hashlib.sha256()
    if model['backend'] == 'onnxruntime':
        from ..deploy.model_dir import load_spec, model_file
        files = [
            path for d in [model['model_dir'], *model['ensemble']]
            for path in (model_file(d, load_spec(d), model['precision']), osp.join(d, 'model.json'))
        ]
    else:
        files = [model['config'], model['checkpoint'], *model['ensemble']]
    for path in files:
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                digest.update(chunk)
    settings = {k: v for k, v in model.items() if k not in ('threads', 'batch_size', 'cfg')}
    digest.update(json.dumps([settings, options], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def run_archive(client, model, sources, options, out_dir, block_rows=8, force=False, bar=True):
    """Predict every raster of ``sources`` (``sources.Source``) not done yet into
    ``out_dir``; returns ``(predicted, failed, skipped)`` counts, having written the
    manifest and the archive's files and said what failed, a line a raster."""
    manifest = Manifest(out_dir)
    try:
        key = model_key(model, options)
        with ThreadPoolExecutor(16) as pool:  # HEAD requests of URLs wait on the network
            signatures = list(pool.map(signature, [s.href for s in sources]))
        to_do, skipped = manifest.plan(sources, signatures, key, out_dir, force)
        print(_plan_line(len(sources), to_do, skipped), flush=True)
        failed = []
        if to_do:
            failed = _predict(client, manifest, model, to_do,
                              dict(zip((s.href for s in sources), signatures)), key, options,
                              out_dir, block_rows, bar)
        if to_do or not osp.exists(osp.join(out_dir, 'counts.csv')):
            recorded = manifest.rows()  # the archive is these sources, not every row ever
            written = write_archive_outputs(
                out_dir, [recorded[s.href] for s in sources if s.href in recorded])
            print(f'archive: {", ".join(written)} in {out_dir}')
        for source, reason in sorted(failed, key=lambda f: f[0].href):
            print(f'FAILED {source.href}: {reason}', file=sys.stderr)
        if failed:
            print(
                f'{len(failed)} of {len(to_do)} raster(s) failed (listed above and in '
                f'{manifest.path}); run the same command again to retry them',
                file=sys.stderr)
        return len(to_do) - len(failed), len(failed), len(skipped)
    finally:
        manifest.close()


def _plan_line(total, to_do, skipped):
    if not to_do:
        return (f'{total} raster(s): nothing to do, every one is done with its outputs in '
                'place (--force predicts them all again)')
    reasons = {}
    for _, why in to_do:
        reasons[why] = reasons.get(why, 0) + 1
    said = ', '.join(f'{n} {why}' for why, n in reasons.items())
    return f'{total} raster(s): {len(skipped)} done already, {len(to_do)} to predict ({said})'


def _predict(client, manifest, model, to_do, signatures, key, options, out_dir, block_rows, bar):
    from distributed import as_completed
    meta, failed = {}, []
    futures = []
    for source, _ in to_do:
        manifest.running(source, signatures[source.href], key)
        shutil.rmtree(work.partial_dir(out_dir, source.stem), ignore_errors=True)
        future = client.submit(
            work.plan,
            model,
            source.href,
            source.stem,
            options,
            out_dir,
            block_rows,
            pure=False,
            retries=0)
        meta[future.key] = ('plan', source, time.time())
        futures.append(future)
    progress = _Progress(len(to_do), bar)
    pending = as_completed(futures)
    for future in pending:
        kind, source, started = meta.pop(future.key)
        try:
            result = future.result()
        except Exception as err:  # the raster's one-line reason; the archive goes on
            reason = _one_line(err)
            manifest.failed(source, reason)
            failed.append((source, reason))
            progress.step(0, failed=True)
            continue
        if kind == 'plan' and 'blocks' in result:  # a large raster: a task a block
            args = (model, source.href, source.stem, options, out_dir)
            blocks = [
                client.submit(work.predict_block, *args, rows, pure=False, retries=0)
                for rows in result['blocks']
            ]
            nxt = client.submit(work.finish, *args, blocks, started, pure=False, retries=0)
            meta[nxt.key] = ('predict', source, started)
            pending.add(nxt)
        else:
            manifest.done(source, result)
            progress.step(result['megapixels'])
    progress.close()
    return failed


def _one_line(err):
    """An exception as the one line the manifest and the list of failures keep."""
    from distributed import KilledWorker
    if isinstance(err, KilledWorker):
        return ('its task killed every worker that ran it (out of memory?); give the workers '
                'more memory or smaller blocks (--block-rows)')
    text = str(err).strip().splitlines()
    message = text[0] if text else ''
    from ..errors import ZooError
    return message if isinstance(err, ZooError) else f'{type(err).__name__}: {message}'


class _Progress:
    """A bar of rasters done, with megapixels a second and the time left."""

    def __init__(self, total, show):
        from tqdm import tqdm
        self.start, self.megapixels, self.count = time.time(), 0.0, 0
        self.bar = tqdm(total=total, unit='raster', disable=not show, file=sys.stderr)

    def step(self, megapixels, failed=False):
        self.megapixels += megapixels
        self.count += 1
        rate = self.megapixels / max(time.time() - self.start, 1e-6)
        self.bar.set_postfix_str(f'{rate:.2f} Mpx/s' + (' (a raster failed)' if failed else ''))
        self.bar.update(1)

    def close(self):
        self.bar.close()
        elapsed = time.time() - self.start
        print(
            f'{self.count} raster(s) in {elapsed:.1f} s: {self.count / elapsed:.2f} rasters/s, '
            f'{self.megapixels / elapsed:.2f} Mpx/s',
            flush=True)
