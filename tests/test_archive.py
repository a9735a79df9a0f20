"""Archive scale (tools/predict_archive.py): a raster predicted in blocks equals the raster
predicted whole; sources, manifest and Slurm script; and on a Dask cluster of 2 workers
an archive that resumes, redoes exactly what changed, lists bad rasters in one line each,
survives a worker killed mid-run, and reads a COG over HTTP by range requests."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest
from geo_test_utils import CRS, det_predictor, geotransform, seg_spec, squares_scene, write_raster

from zoo_test_utils import EXPORTED, run

rasterio = pytest.importorskip('rasterio')


@pytest.fixture
def exported(exported):
    return lambda name: exported(*EXPORTED[name])


class WindowContrast:
    """A stand-in segmentation network whose logits depend on the whole window (each
    pixel against the window's mean), so that overlapping windows disagree and a pixel's
    class depends on every window averaged over it."""

    def __call__(self, x):
        logit = (x[:, :1] - x[:, :1].mean(axis=(2, 3), keepdims=True)) * 4
        return [np.concatenate([-logit, logit], axis=1)]


def _parts_and_whole(predictor, path, out, tile, overlap, block_rows, **outputs):
    """Predict ``path`` whole into ``out/whole`` and in blocks into ``out/blocks``."""
    from custom_modules.deploy.rasters import open_raster, reading_of, row_blocks
    reading = reading_of(predictor.spec)
    task = predictor.task
    results = {}
    for kind in ('whole', 'blocks'):
        folder = out / kind
        folder.mkdir()
        stem = str(folder / 'scene')
        with open_raster(predictor, str(path), reading, tile, overlap, outputs) as (src, t, o):
            if kind == 'whole':
                results[kind] = task.predict_raster(predictor, src, stem, t, o, **outputs)
            else:
                blocks = row_blocks(src, t, o, block_rows)
                assert len(blocks) > 2 and blocks[0][0] == 0 and blocks[-1][1] == src.height
                parts = [
                    task.predict_part(predictor, src, stem, t, o, b, **outputs) for b in blocks
                ]
                results[kind] = task.finish_raster(src, stem, parts, t, **outputs)
    return results


def test_a_raster_predicted_in_blocks_equals_the_raster_predicted_whole(tmp_path):
    from custom_modules.deploy import Predictor
    rng = np.random.default_rng(3)
    img = (rng.random((3, 300, 170)) * 255).astype(np.uint8)
    img = cv2.GaussianBlur(img.transpose(1, 2, 0), (0, 0), 6).transpose(2, 0, 1)
    path = write_raster(tmp_path / 'scene.tif', np.ascontiguousarray(img))
    predictor = Predictor(seg_spec(), WindowContrast())
    outputs = dict(probabilities=True, uncertainty=True, boundary=['square'])
    results = _parts_and_whole(predictor, path, tmp_path, 64, 24, 1, **outputs)
    assert results['whole']['counts'] == results['blocks']['counts']
    for name in ('classes', 'probs', 'uncertainty'):
        with rasterio.open(tmp_path / 'whole' / f'scene_{name}.tif') as a, \
                rasterio.open(tmp_path / 'blocks' / f'scene_{name}.tif') as b:
            assert a.profile == b.profile and a.tags(1) == b.tags(1)
            assert np.array_equal(a.read(), b.read()), name
    assert sorted(os.listdir(tmp_path / 'blocks')) == sorted(os.listdir(tmp_path / 'whole'))
    import geopandas
    lines = [
        geopandas.read_file(tmp_path / k / 'scene_shoreline.gpkg') for k in ('whole', 'blocks')
    ]
    assert len(lines[0]) > 0 and lines[0].geometry.geom_equals(lines[1].geometry).all()
    # the windows disagree where they overlap: a block without its neighbours' windows
    # would give other pixels
    single = Predictor(seg_spec(), WindowContrast()).predict_whole(img[:, :64].transpose(1, 2, 0))
    with rasterio.open(tmp_path / 'whole' / 'scene_classes.tif') as a:
        assert not np.array_equal(a.read(1)[40:64, :64], single['mask'][40:64])


def test_boxes_on_block_edges_are_found_once(tmp_path):
    import geopandas
    img, boxes = squares_scene()
    extra = [(30, 52, 50, 72), (200, 110, 230, 135)]  # across the rows where blocks meet
    for x0, y0, x1, y1 in extra:
        img[:, y0:y1, x0:x1] = 255
    path = write_raster(tmp_path / 'scene.tif', img)
    results = _parts_and_whole(det_predictor(), path, tmp_path, 60, 30, 1)
    assert results['whole']['counts'] == results['blocks']['counts'] == {'square': 9}
    found = [
        geopandas.read_file(tmp_path / k / 'scene_detections.gpkg') for k in ('whole', 'blocks')
    ]
    assert sorted(map(tuple, found[0].geometry.bounds.to_numpy())) == sorted(
        map(tuple, found[1].geometry.bounds.to_numpy()))


def test_sources_are_files_folders_globs_lists_urls_and_stac_items(tmp_path):
    from custom_modules.archive.sources import expand
    from custom_modules.errors import ZooError
    (tmp_path / 'a' / '2023').mkdir(parents=True)
    (tmp_path / 'b').mkdir()
    for path in ('a/2023/ortho_20230514.tif', 'b/ortho.tif', 'a/notes.txt', 'b/x.tiff'):
        (tmp_path / path).write_bytes(b'')
    (tmp_path / 'a' / 'ortho.tif').write_bytes(b'')
    listing = tmp_path / 'list.txt'
    listing.write_text('# survey\nb/ortho.tif\nhttps://example.org/cogs/scene_2021-07-02.tif\n'
                       's3://bucket/key/scene.tif\n/vsis3/bucket/other.tif\n')
    item = dict(
        type='Feature',
        stac_version='1.0.0',
        id='scene-1',
        geometry=None,
        properties=dict(datetime='2022-03-04T10:00:00Z'),
        links=[],
        assets=dict(visual=dict(href='b/x.tiff'), nir=dict(href='https://example.org/n.tif')))
    (tmp_path / 'item.json').write_text(json.dumps(item))
    found = expand([str(tmp_path / 'a'), str(listing), str(tmp_path / 'item.json')], 'visual')
    hrefs = [s.href for s in found]
    assert hrefs == [
        str(tmp_path / 'a' / 'ortho.tif'),
        str(tmp_path / 'a' / '2023' / 'ortho_20230514.tif'),
        str(tmp_path / 'b' / 'ortho.tif'),
        '/vsicurl/https://example.org/cogs/scene_2021-07-02.tif',
        '/vsis3/bucket/key/scene.tif',
        '/vsis3/bucket/other.tif',
        str(tmp_path / 'b' / 'x.tiff'),
    ]
    assert [s.date for s in found] == ['', '2023-05-14', '', '2021-07-02', '', '', '2022-03-04']
    stems = [s.stem for s in found]
    assert len(set(stems)) == len(stems) and stems[1] == 'ortho_20230514'
    assert stems[0].startswith('ortho-') and stems[2].startswith('ortho-')  # two ortho.tif
    assert [s.href for s in expand([str(tmp_path / 'a' / '*' / '*.tif')])] == [hrefs[1]]
    with pytest.raises(
            ZooError,
            match=r"item scene-1 has no asset 'red'; give --asset, one of "
            r"\['nir', 'visual'\]"):
        expand([str(tmp_path / 'item.json')], 'red')
    collection = dict(type='FeatureCollection', features=[item, dict(item, id='scene-2')])
    (tmp_path / 'items.json').write_text(json.dumps(collection))
    assert [s.href for s in expand([str(tmp_path / 'items.json')], 'nir')
            ] == ['/vsicurl/https://example.org/n.tif']  # the same asset twice: predicted once
    (tmp_path / 'b' / 'out').mkdir()  # the archive's outputs inside a source folder
    (tmp_path / 'b' / 'out' / 'x_classes.tif').write_bytes(b'')
    assert [s.name
            for s in expand([str(tmp_path / 'b')])] == ['ortho.tif', 'x.tiff', 'x_classes.tif']
    assert [s.name for s in expand([str(tmp_path / 'b')], out_dir=str(tmp_path / 'b' / 'out'))
            ] == ['ortho.tif', 'x.tiff']
    with pytest.raises(ZooError, match='nothing.tif: no such file, folder or pattern'):
        expand([str(tmp_path / 'nothing.tif')])


def test_the_manifest_says_why_a_raster_is_predicted_again(tmp_path):
    from custom_modules.archive.manifest import Manifest
    from custom_modules.archive.sources import Source
    sources = [Source(f'/data/r{i}.tif', f'r{i}') for i in range(5)]
    manifest = Manifest(str(tmp_path))
    for s in sources:
        manifest.running(s, 'sig', 'model-a')
    for s in sources[:4]:
        (tmp_path / f'{s.stem}_classes.tif').write_bytes(b'x')
        manifest.done(s, dict(outputs=[f'{s.stem}_classes.tif'], counts={'water': 1}))
    manifest.failed(sources[3], 'r3.tif: not a raster GDAL can read')
    os.remove(tmp_path / 'r2_classes.tif')
    new = Source('/data/new.tif', 'new')
    to_do, skipped = manifest.plan([*sources, new], ['sig', 'changed', 'sig', 'sig', 'sig', 'x'],
                                   'model-a', str(tmp_path))
    assert [(s.stem, why) for s, why in to_do] == [('r1', 'changed'), ('r2', 'outputs missing'),
                                                   ('r3', 'failed before'), ('r4', 'interrupted'),
                                                   ('new', 'new')]
    assert [s.stem for s in skipped] == ['r0']
    to_do, _ = manifest.plan(sources[:1], ['sig'], 'model-b', str(tmp_path))
    assert to_do[0][1] == 'another model or options'
    assert manifest.plan(sources[:1], ['sig'], 'model-a', str(tmp_path), force=True)[0][0][1] \
        == '--force'


def test_the_slurm_job_script_is_generated_from_the_settings():
    proc = run([
        sys.executable, 'tools/predict_archive.py', '--print-job-script', '--slurm', 'cores=8',
        'memory=32GB', 'walltime=02:00:00', 'queue=coastal', 'account=survey', 'processes=4',
        'jobs=10', 'job_extra_directives=--gres=gpu:1;--constraint=h100'
    ])
    script = proc.stdout
    for line in ('#SBATCH -J zoo-archive', '#SBATCH -p coastal', '#SBATCH -A survey',
                 '#SBATCH --cpus-per-task=8', '#SBATCH -t 02:00:00', '#SBATCH --gres=gpu:1',
                 '#SBATCH --constraint=h100'):
        assert line in script.splitlines(), line
    assert '-m distributed.cli.dask_worker' in script
    assert 'export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON="{\'MALLOC_TRIM_THRESHOLD_\': ' \
        'None}"' in script.splitlines()
    assert '--nthreads 2' in script and '--nworkers 4' in script
    from custom_modules.archive.cluster import worker_threads
    assert worker_threads(['cores=32', 'memory=64GB', 'processes=16']) == 2
    assert worker_threads(['cores=16', 'memory=64GB']) == 4  # dask-jobqueue: 4 processes
    bad = run(
        [sys.executable, 'tools/predict_archive.py', '--print-job-script', '--slurm', 'cores=8'],
        check=False)
    assert bad.returncode != 0 and bad.stderr.strip().splitlines()[-1] == \
        'error: --slurm: give memory=..., e.g. cores=8 memory=32GB'


# --- on a Dask cluster ----------------------------------------------------------------------


def demo_rasters(folder, count, start=0, size=2):
    """``count`` 8-bit GeoTIFFs of ``size`` x ``size`` demo shoreline frames (64 px each),
    side by side on the map, dated in their names."""
    folder.mkdir(exist_ok=True)
    frames = sorted(os.listdir('data/demo/imseg/images/val'))
    paths = []
    for i in range(start, start + count):
        rows = []
        for r in range(size):
            names = [frames[(i * size * size + r * size + c) % len(frames)] for c in range(size)]
            rows.append(np.hstack([cv2.imread(f'data/demo/imseg/images/val/{n}') for n in names]))
        rgb = np.vstack(rows)[..., ::-1].transpose(2, 0, 1)
        origin = (500000.0 + 64 * size * 0.5 * i, 3300000.0)
        path = folder / f'shore_2024-{1 + i // 28:02d}-{1 + i % 28:02d}.tif'
        write_raster(path, np.ascontiguousarray(rgb), transform=geotransform(origin))
        paths.append(path)
    return paths


def predict_archive(model_dir, *args, check=True):
    return run([
        sys.executable, 'tools/predict_archive.py', model_dir, *map(str, args), '--workers', '2',
        '--no-progress', '--dashboard', ':0'
    ],
               check=check)


def manifest_rows(out):
    with sqlite3.connect(out / 'manifest.sqlite') as db:
        db.row_factory = sqlite3.Row
        return {r['stem']: dict(r) for r in db.execute('SELECT * FROM rasters')}


def test_an_archive_resumes_redoes_what_changed_and_lists_bad_rasters(exported, tmp_path):
    import geopandas
    _, _, model_dir, _ = exported('imseg')
    rasters, out = tmp_path / 'rasters', tmp_path / 'out'
    paths = demo_rasters(rasters, 50)
    first = predict_archive(model_dir, rasters, '--out-dir', out)
    assert '50 raster(s): 0 done already, 50 to predict (50 new)' in first.stdout
    assert '50 raster(s) in' in first.stdout
    single = run([
        sys.executable, 'tools/infer.py', '--backend', 'onnxruntime', '--model', model_dir, rasters,
        '--out-dir', tmp_path / 'single'
    ])
    assert single.returncode == 0
    for path in paths:
        name = path.stem + '_classes.tif'
        with rasterio.open(out / name) as a, rasterio.open(tmp_path / 'single' / name) as b:
            assert a.crs == CRS and np.array_equal(a.read(), b.read())
            assert a.transform == b.transform
    rows = manifest_rows(out)
    assert {r['state'] for r in rows.values()} == {'done'} and len(rows) == 50
    assert not (out / '.partial').exists() or not os.listdir(out / '.partial')
    # the archive's files: every raster's polygons with its date, a mosaic, counts
    polygons = geopandas.read_file(out / 'archive.gpkg')
    assert set(polygons['raster']) == {p.name for p in paths} and polygons.crs == CRS
    assert set(polygons['date']) == {p.stem.split('_')[1] for p in paths}
    with rasterio.open(out / 'classes.vrt') as mosaic, \
            rasterio.open(out / f'{paths[3].stem}_classes.tif') as one:
        assert mosaic.crs == CRS and mosaic.width == 50 * 128
        col = round((one.transform.c - mosaic.transform.c) / 0.5)
        assert np.array_equal(mosaic.read(1)[:, col:col + 128], one.read(1))
    counts = (out / 'counts.csv').read_text().splitlines()
    assert counts[0] == 'raster,date,class,count,area_m2' and len(counts) == 1 + 50 * 2
    # the same command again: nothing to do, and it says so
    again = predict_archive(model_dir, rasters, '--out-dir', out)
    assert '50 raster(s): nothing to do' in again.stdout and 'raster(s) in' not in again.stdout
    # 5 outputs deleted, 3 rasters added: exactly those 8
    deleted = [paths[i] for i in (0, 5, 17, 30, 49)]
    for path, kind in zip(deleted, ['classes.tif', 'shoreline.gpkg', 'classes.gpkg'] * 2):
        os.remove(out / f'{path.stem}_{kind}')
    added = demo_rasters(rasters, 3, start=50)
    before = manifest_rows(out)
    third = predict_archive(model_dir, rasters, '--out-dir', out)
    assert '53 raster(s): 45 done already, 8 to predict (5 outputs missing, 3 new)' in third.stdout
    after = manifest_rows(out)
    redone = {s for s in after if s not in before or after[s]['finished'] != before[s]['finished']}
    assert redone == {p.stem for p in deleted + added}
    # a corrupt raster and one of the wrong band count: a line each, the others done
    (rasters / 'broken.tif').write_bytes(b'II*\x00' + b'\x00' * 100)
    write_raster(rasters / 'one_band.tif', np.zeros((1, 32, 32), np.uint8))
    fourth = predict_archive(model_dir, rasters, '--out-dir', out, check=False)
    assert fourth.returncode == 1
    failures = [line for line in fourth.stderr.splitlines() if line.startswith('FAILED')]
    assert len(failures) == 2
    assert failures[0].startswith(f'FAILED {rasters / "broken.tif"}: ')
    assert 'not a raster GDAL can read' in failures[0]
    assert failures[1] == (f'FAILED {rasters / "one_band.tif"}: {rasters / "one_band.tif"} has 1 '
                           'band(s) (1-1); bands [2, 3] were asked for: choose bands that exist '
                           "(--bands, or the reading's bands)")
    assert '2 of 2 raster(s) failed' in fourth.stderr
    rows = manifest_rows(out)
    assert rows['broken']['state'] == rows['one_band']['state'] == 'failed'
    assert sum(r['state'] == 'done' for r in rows.values()) == 53


def test_a_worker_killed_mid_run_loses_only_its_task(exported, tmp_path):
    """kill -9 of a worker process while rasters are being predicted: Dask runs its task
    again on the other worker (and the restarted one), every output is whole."""
    import psutil
    _, _, model_dir, _ = exported('imseg')
    rasters, out = tmp_path / 'rasters', tmp_path / 'out'
    paths = demo_rasters(rasters, 6, size=4)
    proc = subprocess.Popen([
        sys.executable, 'tools/predict_archive.py', model_dir, rasters, '--out-dir', out,
        '--workers', '2', '--no-progress', '--dashboard', ':0', '--tile', '64', '--tta', 'd4',
        '--block-rows', '1'
    ],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)
    killed = None
    deadline = time.time() + 240
    while killed is None and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
        if not (out / 'manifest.sqlite').exists():
            continue
        try:
            states = [r['state'] for r in manifest_rows(out).values()]
        except sqlite3.Error:
            continue
        if states.count('done') >= 2 and 'running' in states:
            workers = [
                p for p in psutil.Process(proc.pid).children(recursive=True)
                if 'multiprocessing' in ' '.join(p.cmdline()) and p.cpu_percent(0.1) > 0
            ]
            if workers:
                killed = workers[0].pid
                os.kill(killed, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert killed is not None, 'the run ended before a worker could be killed'
    assert proc.returncode == 0, stderr
    rows = manifest_rows(out)
    assert len(rows) == 6 and {r['state'] for r in rows.values()} == {'done'}
    single = run([
        sys.executable, '-m', 'custom_modules.deploy', 'predict', model_dir, rasters, '--out-dir',
        tmp_path / 'single', '--tile', '64', '--tta', 'd4'
    ])
    assert single.returncode == 0
    for path in paths:
        name = path.stem + '_classes.tif'
        with rasterio.open(out / name) as a, rasterio.open(tmp_path / 'single' / name) as b:
            assert np.array_equal(a.read(), b.read()), name


class RangeServer(ThreadingHTTPServer):
    """Serves one file over HTTP with range requests, counting the bytes it sends."""

    def __init__(self, data):
        self.data, self.sent = data, 0
        self.lock = threading.Lock()
        super().__init__(('127.0.0.1', 0), RangeHandler)


class RangeHandler(BaseHTTPRequestHandler):

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response(200)
        self.send_header('Content-Length', str(len(self.server.data)))
        self.send_header('Accept-Ranges', 'bytes')
        self.send_header('ETag', '"cog-1"')
        self.end_headers()

    def do_GET(self):
        data = self.server.data
        ranges = self.headers.get('Range', '')
        if ranges.startswith('bytes=') and ',' not in ranges:
            first, _, last = ranges[6:].partition('-')
            start, end = int(first), min(int(last or len(data) - 1), len(data) - 1)
            body = data[start:end + 1]
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{end}/{len(data)}')
        else:
            body = data
            self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        self.wfile.write(body)
        with self.server.lock:
            self.server.sent += len(body)


def test_a_cog_over_http_is_predicted_by_range_requests(exported, tmp_path):
    """A block of window rows of a 1024 x 1024 COG served on loopback, predicted through
    /vsicurl/ as a worker predicts it: the same classes as the local file, from far fewer
    bytes than the file holds."""
    from custom_modules.archive import work
    from custom_modules.archive.sources import signature
    _, _, model_dir, _ = exported('imseg')
    rgb = _big_scene()
    local = tmp_path / 'scene_cog.tif'
    with rasterio.open(
            local,
            'w',
            driver='COG',
            width=1024,
            height=1024,
            count=3,
            dtype='uint8',
            crs=CRS,
            transform=geotransform(),
            blocksize=256,
            compress='deflate') as dst:
        dst.write(rgb)
    data = local.read_bytes()
    server = RangeServer(data)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f'/vsicurl/http://127.0.0.1:{server.server_address[1]}/scene_cog.tif'
        assert signature(url) == f'"cog-1"::{len(data)}'
        model = dict(
            backend='onnxruntime',
            model_dir=str(model_dir),
            ensemble=[],
            precision='fp32',
            batch_size=8,
            tta='none',
            threads=1)
        options = dict(
            tile=64,
            overlap=0,
            score_thr=None,
            bands=None,
            scaling=None,
            native_resolution=False,
            outputs={})
        out = tmp_path / 'out'
        plan = work.plan(model, url, 'remote', options, str(tmp_path / 'out'), block_rows=1)
        assert plan['megapixels'] == 1024 * 1024 / 1e6 and len(plan['blocks']) == 16
        server.sent = 0
        remote = work.predict_block(model, url, 'remote', options, str(out), plan['blocks'][0])
        served = server.sent
        local_part = work.predict_block(model, str(local), 'local', options, str(out),
                                        plan['blocks'][0])
    finally:
        server.shutdown()
    assert 0 < served < len(data) / 4, (served, len(data))
    with rasterio.open(remote['files']['classes']) as a, \
            rasterio.open(local_part['files']['classes']) as b:
        assert a.shape == (64, 1024) and np.array_equal(a.read(), b.read())
    assert remote['counts'].sum() == 64 * 1024


def _big_scene():
    """A 1024 x 1024 RGB scene of demo shoreline frames (bands first)."""
    frames = sorted(os.listdir('data/demo/imseg/images/val'))
    tiles = [cv2.imread(f'data/demo/imseg/images/val/{n}') for n in frames]
    rows = [np.hstack([tiles[(r * 16 + c) % len(tiles)] for c in range(16)]) for r in range(16)]
    return np.ascontiguousarray(np.vstack(rows)[..., ::-1].transpose(2, 0, 1))
