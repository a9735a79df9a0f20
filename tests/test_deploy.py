"""Deployment: every family exports to ONNX with a parity check against the training stack,
predicts without PyTorch, and tiles large images."""
import csv
import json
import shutil
import sys

import cv2
import numpy as np
import pytest

from zoo_test_utils import EXPORTED, SquareDetector, run, run_tool


@pytest.fixture
def exported(exported):
    """``exported(name)``: the model of ``EXPORTED[name]`` trained briefly and exported (the
    exporter runs its parity check), once a session (tests/conftest.py)."""
    return lambda name: exported(*EXPORTED[name])


@pytest.mark.parametrize('name', sorted(EXPORTED))
def test_export_passes_its_parity_check(exported, name):
    config, _, model_dir, stdout = exported(name)
    spec = json.loads((model_dir / 'model.json').read_text())
    assert (model_dir / 'model.onnx').stat().st_size > 10000
    assert spec['classes'] and spec['input']['mean'] == pytest.approx([123.675, 116.28, 103.53])
    assert 'PyTorch and ONNX Runtime agree' in stdout
    if name == 'objrecog':
        boxes = int(stdout.split(' boxes scoring')[0].rsplit(' ', 1)[1])
        assert boxes >= 20, stdout  # the detections compared are not an empty set


def test_a_model_that_disagrees_fails_the_check_naming_the_worst_image(exported, tmp_path):
    config, checkpoint, model_dir, _ = exported('imrecog')
    shutil.copytree(model_dir, tmp_path / 'onnx')
    spec = json.loads((tmp_path / 'onnx' / 'model.json').read_text())
    spec['input']['to_rgb'] = not spec['input']['to_rgb']  # a pre-processing bug
    (tmp_path / 'onnx' / 'model.json').write_text(json.dumps(spec))
    code = ('import sys; from custom_modules.cli import load_config; '
            'from custom_modules.export.onnx_export import *; '
            'from custom_modules.export.parity import *; '
            'cfg = load_config(type("A", (), dict(config=sys.argv[1]))()); '
            'module = ExportModule(build_model(cfg, sys.argv[2]), "classification"); '
            'print(check_parity(cfg, module, sys.argv[3], config_images(cfg, 20)))')
    proc = run([sys.executable, '-c', code, config, checkpoint, tmp_path / 'onnx'], check=False)
    assert proc.returncode != 0
    assert 'parity check failed on ' in proc.stderr and '; worst data/demo/imrecog/val/' \
        in proc.stderr


BLOCK_TORCH = '''
import importlib.abc, sys
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain'):
            raise ImportError(f'{name} is blocked: this must run without it')
sys.meta_path.insert(0, NoTorch())
from custom_modules.deploy.__main__ import main
main(sys.argv[1:])
'''


def predict_without_torch(model_dir, images, out_dir, *options):
    return run([
        sys.executable, '-c', BLOCK_TORCH, 'predict', model_dir, images, '--out-dir', out_dir,
        *options
    ])


HEAVY = ('torch', 'mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain')
# where torch is installed: run, then list what of the training stack was imported
IMPORTED_AFTER = f'''
import sys
from custom_modules.deploy.__main__ import main
main(sys.argv[1:])
print('imported:', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))
'''


def test_the_runtime_imports_no_torch_where_torch_is_installed(exported, tmp_path):
    """The runtime and the archive's ONNX worker import none of the training stack,
    installed or not (it was about 590 MB of resident memory before the first window)."""
    import importlib.util

    from geo_test_utils import write_raster
    assert all(importlib.util.find_spec(m) for m in HEAVY)  # installed here
    _, _, model_dir, _ = exported('imseg')
    rgb = cv2.imread('data/demo/imseg/images/val/val_0000.png')[..., ::-1].transpose(2, 0, 1)
    raster = write_raster(tmp_path / 'shore.tif', np.ascontiguousarray(rgb))
    proc = run([
        sys.executable, '-c', IMPORTED_AFTER, 'predict', model_dir, raster, '--out-dir',
        tmp_path / 'out'
    ])
    assert (tmp_path / 'out' / 'shore_classes.tif').exists()
    assert proc.stdout.strip().splitlines()[-1] == 'imported: []'
    worker = (
        f'import sys\nfrom custom_modules.archive import work\n'
        f'model = dict(backend="onnxruntime", model_dir={str(model_dir)!r}, ensemble=[], '
        f'precision="fp32", '
        f'batch_size=8, tta="none", threads=1)\n'
        f'options = dict(tile=None, overlap=None, score_thr=None, bands=None, '
        f'scaling=None, native_resolution=False, outputs={{}})\n'
        f'print(work.plan(model, {str(raster)!r}, "shore", options, '
        f'{str(tmp_path / "archive")!r}, 8)["outputs"])\n'
        f'print("imported:", sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})))')
    (tmp_path / 'archive').mkdir()
    proc = run([sys.executable, '-c', worker])
    assert proc.stdout.strip().splitlines() == [
        "['shore_classes.tif', 'shore_classes.gpkg', 'shore_shoreline.gpkg']", 'imported: []'
    ]


def rows(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def test_torch_free_runtime_predicts_as_the_pytorch_path(exported, tmp_path):
    config, checkpoint, model_dir, _ = exported('objrecog')
    images = 'data/demo/objrecog/images/val'
    predict_without_torch(model_dir, images, tmp_path / 'ort', '--score-thr', '0.05')
    run_tool('infer.py', config, checkpoint, images, '--out-dir', tmp_path / 'torch', '--score-thr',
             '0.05')
    ort, torch_rows = rows(tmp_path / 'ort/detections.csv'), rows(tmp_path / 'torch/detections.csv')
    assert ort[0] == torch_rows[0] == [
        'filename', 'width', 'height', 'class', 'xmin', 'ymin', 'xmax', 'ymax', 'score'
    ]
    assert len(ort) == len(torch_rows) > 20
    for a, b in zip(ort[1:], torch_rows[1:]):
        assert a[:4] == b[:4]
        assert np.allclose(np.float64(a[4:]), np.float64(b[4:]), atol=0.15)
    assert len(list((tmp_path / 'ort').glob('*.png'))) == 40


def test_classification_and_embeddings_are_written(exported, tmp_path):
    _, _, model_dir, _ = exported('ssimrecog-fixmatch')
    predict_without_torch(model_dir, 'data/demo/ssimrecog/val/marsh', tmp_path / 'cls')
    table = rows(tmp_path / 'cls/predictions.csv')
    assert table[0] == ['file', 'class', 'score', 'topk'] and len(table) > 10
    assert all(r[1] in ('marsh', 'pebbles', 'ripples', 'water') for r in table[1:])
    assert cv2.imread(str(tmp_path / 'cls/prediction_grid.png')).shape[:2] == (96 * 7, 96 * 8)
    _, _, model_dir, _ = exported('ssimrecog-npairs')
    predict_without_torch(model_dir, 'data/demo/ssimrecog/val/marsh', tmp_path / 'emb')
    table = rows(tmp_path / 'emb/embeddings.csv')
    vectors = np.float64([r[1:] for r in table[1:]])
    assert vectors.shape[1] == 8 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)


def mosaic(folder, names):
    """A 2 x 2 mosaic of four demo frames."""
    frames = [cv2.imread(f'{folder}/{n}') for n in names]
    return np.vstack([np.hstack(frames[:2]), np.hstack(frames[2:])])


FOLDERS = dict(
    imrecog='data/demo/imrecog/val/marsh',
    objrecog='data/demo/objrecog/images/val',
    imseg='data/demo/imseg/images/val')


@pytest.mark.parametrize('name', sorted(FOLDERS))
def test_batched_prediction_equals_one_image_at_a_time(exported, name):
    from custom_modules.deploy import OnnxNetwork, Predictor, load_spec
    from custom_modules.images import list_images
    _, _, model_dir, _ = exported(name)
    spec = load_spec(str(model_dir))
    network, calls = OnnxNetwork(str(model_dir), spec), []

    def counted(x):
        calls.append(len(x))
        return network(x)

    images = [cv2.imread(path) for path in list_images(FOLDERS[name])[:7]]
    images.insert(3, cv2.resize(images[0], None, fx=2, fy=1))  # another shape in between
    one = [Predictor(spec, network).predict(img) for img in images]
    many = Predictor(spec, counted, batch_size=4).predict_many(images)
    assert sum(calls) == len(images) and max(calls) == 4 and len(calls) <= 3
    for a, b in zip(one, many):
        assert a.keys() == b.keys()
        if 'mask' in a:
            assert (a['mask'] == b['mask']).mean() >= 0.999
        elif 'boxes' in a:
            assert np.array_equal(a['labels'], b['labels'])
            assert np.allclose(a['boxes'], b['boxes'], atol=0.01)
            assert np.allclose(a['scores'], b['scores'], atol=1e-4)
        else:
            assert a['label'] == b['label'] and a['score'] == pytest.approx(b['score'], abs=1e-4)


def test_tiled_detection_reports_each_object_once_border_objects_too():
    from custom_modules.deploy import Predictor
    img = np.zeros((300, 400, 3), np.uint8)
    squares = [(10, 10), (90, 40), (120, 120), (185, 60), (250, 200), (300, 110), (360, 260)]
    for x, y in squares:  # 20 px squares; several cross the borders of 100 px windows
        img[y:y + 20, x:x + 20] = 255
    spec = dict(task='detection', postprocess=dict(iou_threshold=0.5))
    predictor = Predictor(spec, network=None)
    predictor.predict_whole = SquareDetector()  # the network's part, for this test
    found = predictor.predict(img, tile=100, overlap=40)
    expected = np.float32([[x, y, x + 20, y + 20] for x, y in squares])
    order = np.lexsort((found['boxes'][:, 1], found['boxes'][:, 0]))
    assert np.array_equal(found['boxes'][order], expected)  # every square once, whole


def test_tiled_detection_joins_objects_larger_than_the_overlap():
    """Objects no window holds whole (wider than the overlap, one wider than a window)
    were dropped: each is now reported once, with its whole extent, beside small ones."""
    from custom_modules.deploy import Predictor
    img = np.zeros((300, 400, 3), np.uint8)
    objects = [(30, 150, 180, 180), (200, 20, 330, 150), (10, 10, 30, 30), (255, 240, 275, 260)]
    for x0, y0, x1, y1 in objects:  # a 150 x 30 bar, a 130 px square, two 20 px squares
        img[y0:y1, x0:x1] = 255
    spec = dict(task='detection', postprocess=dict(iou_threshold=0.5))
    predictor = Predictor(spec, network=None)
    predictor.predict_whole = SquareDetector()
    found = predictor.predict(img, tile=100, overlap=40)
    order = np.lexsort((found['boxes'][:, 1], found['boxes'][:, 0]))
    assert np.array_equal(found['boxes'][order], np.float32(sorted(objects)))


def test_tiled_detection_with_the_exported_detector(exported):
    _, _, model_dir, _ = exported('objrecog')
    from custom_modules.deploy import OnnxNetwork, Predictor, load_spec
    from custom_modules.deploy.processing import box_iou
    spec = load_spec(str(model_dir))
    big = mosaic('data/demo/objrecog/images/val', [f'val_{i:04d}.png' for i in range(4)])
    tiled = Predictor(spec, OnnxNetwork(str(model_dir), spec)).predict(big, tile=128, overlap=64)
    assert len(tiled['boxes']) and tiled['boxes'].max() <= 256
    assert (box_iou(tiled['boxes'], tiled['boxes']) > 0.5).sum() == len(tiled['boxes'])


def test_tiled_segmentation_equals_the_frames(exported):
    _, _, model_dir, _ = exported('imseg')
    from custom_modules.deploy import OnnxNetwork, Predictor, load_spec
    spec = load_spec(str(model_dir))
    network = OnnxNetwork(str(model_dir), spec)
    folder = 'data/demo/imseg/images/val'
    names = [f'val_{i:04d}.png' for i in range(4)]
    frames = [Predictor(spec, network).predict(cv2.imread(f'{folder}/{n}'))['mask'] for n in names]
    expected = np.vstack([np.hstack(frames[:2]), np.hstack(frames[2:])])
    big = mosaic(folder, names)
    assert np.array_equal(
        Predictor(spec, network).predict(big, tile=64, overlap=0)['mask'],
        expected)  # windows on the frames: the frames' masks exactly
    overlapped = Predictor(spec, network).predict(big, tile=64, overlap=32)['mask']
    assert (overlapped == expected).mean() > 0.9


def test_bad_deployment_inputs_are_one_line(exported, tmp_path):
    _, _, det_dir, _ = exported('objrecog')
    _, _, seg_dir, _ = exported('imseg')
    proc = run([
        sys.executable, '-m', 'custom_modules.deploy', 'predict', tmp_path,
        'data/demo/imseg/images/val'
    ],
               check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        f'error: {tmp_path} has no model.json: export a model into it with '
        f'python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out {tmp_path}')
    mixed = tmp_path / 'mixed'
    shutil.copytree(seg_dir, mixed)
    shutil.copy(det_dir / 'model.onnx', mixed / 'model.onnx')  # another family's network
    proc = run([
        sys.executable, '-m', 'custom_modules.deploy', 'predict', mixed,
        'data/demo/imseg/images/val'
    ],
               check=False)
    assert proc.returncode == 2
    assert "describes a segmentation model with outputs ['logits']: the two files come from " \
        'different exports' in proc.stderr


def test_unsupported_model_is_named():
    from mmengine.config import Config

    from custom_modules.errors import ZooError
    from custom_modules.export.onnx_export import task_of
    with pytest.raises(
            ZooError,
            match=r"export: model type 'FasterRCNN' is not supported; "
            'supported: ImageClassifier, RetinaNet, EncoderDecoder, SemiSupervisedSegmentor, '
            'SemiSupervisedClassifier, '
            'NPairsEmbedder'):
        task_of(Config(dict(model=dict(type='FasterRCNN'), default_scope='mmdet')))


def test_a_geotiff_predicts_as_its_picture_at_any_bit_depth_without_torch(exported, tmp_path):
    """The new user's trial: the demo U-Net on GeoTIFF copies of a picture. 8-bit, a 4th
    band and 16-bit with its scaling rule give the picture's own mask, in map coordinates;
    16-bit without a rule and bands the model cannot take are one-line errors."""
    import rasterio
    from geo_test_utils import write_raster
    _, _, model_dir, _ = exported('imseg')
    folder = 'data/demo/imseg/images/val'
    big = mosaic(folder, [f'val_{i:04d}.png' for i in range(4)])
    rgb = big[..., ::-1].transpose(2, 0, 1)  # bands R, G, B
    cv2.imwrite(str(tmp_path / 'big.png'), big)
    predict_without_torch(model_dir, tmp_path / 'big.png', tmp_path / 'picture', '--tile', '64',
                          '--overlap', '0')
    expected = cv2.imread(str(tmp_path / 'picture' / 'big_mask.png'), cv2.IMREAD_UNCHANGED)
    nir = np.full((1, *rgb.shape[1:]), 77, np.uint8)
    rasters = dict(
        rgb8=(rgb, []),
        rgbn8=(np.concatenate([rgb, nir]), []),
        rgbn16=(np.concatenate([rgb, nir]).astype(np.uint16) * 40, ['--scale', '0:10200']))
    for name, (bands, options) in rasters.items():
        write_raster(tmp_path / f'{name}.tif', bands)
        predict_without_torch(model_dir, tmp_path / f'{name}.tif', tmp_path / name, '--tile', '64',
                              '--overlap', '0', *options)
        with rasterio.open(tmp_path / name / f'{name}_classes.tif') as got:
            assert got.crs == 'EPSG:32617'
            assert np.array_equal(got.read(1), expected), name
    # where the model is unsure, and where to label next, from the torch-free runtime too
    predict_without_torch(model_dir, tmp_path / 'rgb8.tif', tmp_path / 'unsure', '--tile', '64',
                          '--tta', 'flip', '--uncertainty', '--suggest', '2')
    with rasterio.open(tmp_path / 'unsure' / 'rgb8_uncertainty.tif') as got:
        unsure = got.read(1)
        assert got.crs == 'EPSG:32617' and 0 <= unsure.min() and unsure.max() <= 1
    import geopandas
    suggested = geopandas.read_file(tmp_path / 'unsure' / 'rgb8_to_label.gpkg')
    assert list(suggested['rank']) == [1, 2] and suggested.crs == 'EPSG:32617'
    refused = run([
        sys.executable, '-c', BLOCK_TORCH, 'predict', model_dir, tmp_path / 'rgbn16.tif',
        '--out-dir', tmp_path / 'refused'
    ],
                  check=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert 'holds uint16 values: say how to scale them' in refused.stderr
    too_many = run([
        sys.executable, '-c', BLOCK_TORCH, 'predict', model_dir, tmp_path / 'rgbn8.tif',
        '--out-dir', tmp_path / 'bands', '--bands', '1', '2', '3', '4'
    ],
                   check=False)
    assert too_many.returncode == 2
    assert 'but the network takes 3 input channels' in too_many.stderr


def test_any_tile_works_without_an_overlap():
    """The default overlap is half a window, at most 64 px: --tile 64 alone was refused
    (the default overlap was 64); an overlap the window cannot hold still is."""
    from custom_modules.deploy import task_for
    from custom_modules.errors import ZooError
    task = task_for(dict(task='segmentation'))
    assert [task.tiling(t, None) for t in (64, 100, 128, 512)] == [32, 50, 64, 64]
    assert task.tiling(64, 0) == 0 and task.tiling(None, None) == 0
    with pytest.raises(
            ZooError,
            match=r'--overlap 64 must be at least 0 and less than the '
            r'window \(--tile\) 64'):
        task.tiling(64, 64)
