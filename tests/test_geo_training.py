"""Training from rasters and vector labels: windows and their labels in window pixels,
reprojection, the one-line errors of bad input, and the demo geo configs training."""
import json

import numpy as np
import pytest
from geo_test_utils import squares_scene, write_boxes, write_raster

from zoo_test_utils import IN_PROCESS_LOADERS, REPO, run_tool

pytest.importorskip('rasterio')
pytest.importorskip('geopandas')


def samples(raster, labels, task='detection', classes=('square', ), **kwargs):
    from custom_modules.geo.samples import raster_samples
    options = dict(windows=dict(size=100, sampler='grid'))
    options.update(kwargs)
    raster = raster if isinstance(raster, list) else str(raster)
    return raster_samples(raster, str(labels), list(classes), task, **options)


@pytest.fixture
def scene(tmp_path):
    img, boxes = squares_scene()
    return write_raster(tmp_path / 'scene.tif', img), boxes


def boxes_seen(found):
    """Every box of the samples in raster pixels."""
    return sorted(
        tuple(round(v, 3) for v in np.add(i['bbox'], [s['window'][0], s['window'][1]] * 2))
        for s in found for i in s['instances'])


@pytest.mark.parametrize('crs', [None, 'EPSG:4326', 'EPSG:3857'])
def test_boxes_come_back_in_window_pixels_whatever_the_labels_crs(scene, tmp_path, crs, capsys):
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes, to_crs=crs)
    found = samples(raster, labels, windows=dict(size=400, sampler='grid'))  # one window
    assert len(found) == 1 and found[0]['window'] == (0, 0, 400, 300)
    got = boxes_seen(found)
    tolerance = 0.01 if crs is None else 0.05  # reprojected through degrees and back
    assert np.allclose(got, sorted(boxes), atol=tolerance)
    if crs:
        assert f'labels reprojected from {crs}' in capsys.readouterr().err


def test_a_box_cut_by_a_window_is_kept_when_half_of_it_is_inside(scene, tmp_path):
    raster, boxes = scene  # the square at x 90-110 is cut by the window edge at x 100
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes)
    found = samples(raster, labels, windows=dict(size=100, sampler='grid', overlap=0))
    first = next(s for s in found if s['window'] == (0, 0, 100, 100))
    assert sorted(i['bbox'] for i in first['instances']) == [[10, 10, 30, 30], [90, 40, 100, 60]]


def test_windows_around_labels_hold_their_label_and_are_seeded(scene, tmp_path):
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes)
    options = dict(windows=dict(size=64, sampler='labels', seed=3))
    first, again = samples(raster, labels, **options), samples(raster, labels, **options)
    assert [s['window'] for s in first] == [s['window'] for s in again]
    assert len(first) == len(boxes) and all(s['instances'] for s in first)
    other = samples(raster, labels, windows=dict(size=64, sampler='labels', seed=4))
    assert [s['window'] for s in other] != [s['window'] for s in first]


def test_regions_keep_validation_windows_apart(scene, tmp_path):
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes)
    train = samples(
        raster, labels, windows=dict(size=50, sampler='random', count=40, region=(0, 0, 0.75, 1)))
    val = samples(raster, labels, windows=dict(size=50, sampler='grid', region=(0.75, 0, 1, 1)))
    assert max(s['window'][2] for s in train) <= 300 <= min(s['window'][0] for s in val)


def test_nodata_windows_are_skipped_and_counted(tmp_path, capsys):
    img, boxes = squares_scene()
    img[:, :, 200:] = 0
    raster = write_raster(tmp_path / 'half.tif', img, nodata=0)
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes[:3])
    found = samples(raster, labels, windows=dict(size=100, sampler='grid'))
    assert {s['window'][0] for s in found} == {0, 100}  # x 200 onwards is nodata
    assert 'passed over 6 window(s) of nodata only' in capsys.readouterr().err


def test_masks_are_burnt_and_nodata_is_ignored(tmp_path):
    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    img, boxes = squares_scene()
    img[:, 290:, :] = 0
    raster = write_raster(tmp_path / 'scene.tif', img, nodata=0)
    labels = write_boxes(tmp_path / 'squares.gpkg', boxes, classes=['square'] * len(boxes))
    found = samples(
        raster,
        labels,
        'segmentation', ('ground', 'square'),
        class_field='species',
        unlabelled='ground',
        windows=dict(size=400, sampler='grid'))
    loaded = LoadRasterWindow()(dict(found[0]))
    expected = np.zeros((300, 400), np.uint8)
    for x0, y0, x1, y1 in boxes:
        expected[y0:y1, x0:x1] = 1
    expected[290:] = 255
    assert np.array_equal(loaded['gt_seg_map'], expected)
    assert loaded['img'].shape == (300, 400, 3) and loaded['img'].dtype == np.float32


def test_a_point_label_gives_a_window_of_its_class(scene, tmp_path):
    import geopandas
    from geo_test_utils import CRS, pixel_to_map
    from shapely.geometry import Point
    raster, _ = scene
    points = geopandas.GeoDataFrame(
        dict(kind=['bright', 'dark']),
        geometry=[Point(pixel_to_map(130, 130)),
                  Point(pixel_to_map(60, 250))],
        crs=CRS)
    points.to_file(tmp_path / 'points.gpkg')
    found = samples(
        raster,
        tmp_path / 'points.gpkg',
        'classification', ('dark', 'bright'),
        class_field='kind',
        windows=dict(size=40))
    assert [s['gt_label'] for s in found] == [1, 0]


def test_invalid_geometries_are_repaired_and_said(scene, tmp_path, capsys):
    import geopandas
    from geo_test_utils import CRS, pixel_to_map
    from shapely.geometry import Polygon
    raster, _ = scene
    bowtie = Polygon([pixel_to_map(*p) for p in ((10, 10), (30, 30), (30, 10), (10, 30))])
    geopandas.GeoDataFrame(geometry=[bowtie], crs=CRS).to_file(tmp_path / 'bad.gpkg')
    found = samples(raster, tmp_path / 'bad.gpkg', windows=dict(size=400))
    assert 'repaired 1 invalid geometries' in capsys.readouterr().err
    assert np.allclose(found[0]['instances'][0]['bbox'], [10, 10, 30, 30])


def one_line_error(call, match):
    from custom_modules.errors import ZooError
    with pytest.raises(ZooError, match=match) as caught:
        call()
    assert '\n' not in str(caught.value)


def test_bad_raster_and_label_pairs_are_one_line_errors(scene, tmp_path):
    import geopandas
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes, classes=['square'] * len(boxes))
    far = write_boxes(tmp_path / 'far.gpkg', [(0, 0, 10, 10)], crs='EPSG:32633')
    one_line_error(lambda: samples(raster, far), 'far.gpkg .* does not overlap .*scene.tif')
    plain = write_raster(tmp_path / 'plain.tif', squares_scene()[0], crs=None)
    one_line_error(lambda: samples(plain, labels), 'plain.tif has no CRS')
    frame = geopandas.read_file(labels).set_crs(None, allow_override=True)
    frame.to_file(tmp_path / 'nocrs.shp')
    one_line_error(lambda: samples(raster, tmp_path / 'nocrs.shp'), 'nocrs.shp has no CRS')
    frame.to_file(tmp_path / 'metres.geojson', driver='GeoJSON')  # read as WGS 84 degrees
    one_line_error(lambda: samples(raster, tmp_path / 'metres.geojson'),
                   'metres.geojson: its coordinates do not fit its CRS')
    one_line_error(lambda: samples(raster, labels, class_field='kind'),
                   r"no field 'kind' \(its fields: \['species'\]\)")
    one_line_error(lambda: samples(raster, labels, classes=('tree', ), class_field='species'),
                   r"species values \['square'\] are not in the classes")
    one_line_error(lambda: samples(raster, labels, windows=dict(size=50, sampler='random')),
                   'needs windows.count')
    blank = np.zeros((3, 60, 60), np.uint8)
    empty = write_raster(tmp_path / 'empty.tif', blank, nodata=0)
    one_line_error(lambda: samples(empty, labels, windows=dict(size=30)), 'no training windows')


SEG = 'configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py'
DET = 'configs/objrecog/retinanet_r18-fpn_1xb8-12e_demo-geo-people-128.py'


def test_a_four_band_config_trains_and_predicts_a_class_geotiff(tmp_path):
    import rasterio
    run_tool('train.py', SEG, '--work-dir', tmp_path, '--cfg-options', 'train_cfg.max_epochs=1',
             'train_dataloader.dataset.windows.count=16', *IN_PROCESS_LOADERS)
    out = run_tool('infer.py', SEG, tmp_path / 'epoch_1.pth', 'data/demo/geo/mosaic.tif',
                   '--out-dir', tmp_path / 'pred')
    assert 'mosaic_classes.tif' in out.stdout
    with rasterio.open(tmp_path / 'pred' / 'mosaic_classes.tif') as got, \
            rasterio.open('data/demo/geo/mosaic.tif') as src:
        assert (got.crs, got.transform, got.shape) == (src.crs, src.transform, src.shape)
        classes = got.read(1)
        nodata = src.dataset_mask() == 0
    assert (classes[nodata] == 255).all() and set(np.unique(classes[~nodata])) <= {0, 1}
    from custom_modules.checkpoints import read_checkpoint
    from custom_modules.cli import load_config
    from custom_modules.export.onnx_export import build_model, describe
    ground = dict(dtype='uint16', bands=4, crs='EPSG:32617', pixel_size=[0.5, 0.5])
    assert read_checkpoint(str(tmp_path / 'epoch_1.pth'))['meta']['dataset_meta']['raster'] \
        == ground  # the ground it was trained on, saved with it and told to model.json
    cfg = load_config(type('Args', (), dict(config=SEG))())
    described = describe(cfg, build_model(cfg, str(tmp_path / 'epoch_1.pth')))
    assert described['input']['raster']['trained_on'] == ground
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['raster'] == ground  # for the zoo's metafile (test_zoo_sharing)
    assert '- rasters: uint16, 4 bands, EPSG:32617, 0.5 m pixels' in \
        (tmp_path / 'summary.md').read_text()


def test_a_detector_trains_from_a_geopackage_and_writes_one(tmp_path):
    import geopandas
    run_tool('train.py', DET, '--work-dir', tmp_path, '--cfg-options', 'train_cfg.max_epochs=1',
             *IN_PROCESS_LOADERS)
    run_tool('infer.py', DET, tmp_path / 'epoch_1.pth', 'data/demo/geo/mosaic.tif', '--out-dir',
             tmp_path / 'pred', '--score-thr', '0')
    found = geopandas.read_file(tmp_path / 'pred' / 'mosaic_detections.gpkg')
    assert found.crs == 'EPSG:32617' and {'label', 'score'} <= set(found.columns)
    run_tool('analysis_tools/benchmark_tta.py', DET, tmp_path / 'epoch_1.pth', '--tta', 'none',
             'flip', '--out', tmp_path / 'tta.json')
    rows = json.loads((tmp_path / 'tta.json').read_text())['rows']
    assert [r['tta'] for r in rows] == ['none', 'flip']
    assert all(0 <= r['bbox_mAP'] <= 1 for r in rows)


def test_bands_the_model_cannot_take_stop_before_training(tmp_path):
    proc = run_tool(
        'train.py',
        SEG,
        '--work-dir',
        tmp_path,
        '--cfg-options',
        'model.backbone.in_channels=3',
        'train_dataloader.dataset.windows.count=8',
        *IN_PROCESS_LOADERS,
        check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: the network's first layer (backbone.banks.0.0.conv) takes 3 channels but the "
        'pipelines give 4 (the bands of LoadRasterWindow, or the colour of the images): set '
        "the backbone's in_channels and a mean/std value a channel, or read 3 bands")


def test_the_converter_cuts_rasters_into_the_picture_layouts(scene, tmp_path):
    import cv2

    from custom_modules.objrecog.datasets import read_course_csv
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes, to_crs='EPSG:4326')
    out = run_tool('dataset_converters/raster_to_tiles.py', raster, labels, '--task', 'detection',
                   '--out', tmp_path / 'det', '--size', '200')
    assert '4 tiles of 200 px' in out.stdout
    images = read_course_csv(str(tmp_path / 'det' / 'annotations.csv'), ['boxes'])
    seen = sorted(
        tuple(np.round(np.add(b[:4], [int(v) for v in i['filename'][:-4].split('_')[1:]] * 2)))
        for i in images for b in i['boxes'])
    from custom_modules.deploy.processing import box_iou
    overlap = box_iou(np.float32(boxes), np.float32(seen))
    assert (overlap.max(axis=1) >= 0.75).all()  # every square, whole or most of it
    assert (overlap.max(axis=0) >= 0.75).all()  # and nothing else
    tile = cv2.imread(str(tmp_path / 'det' / 'images' / 'scene_0_0.png'))
    assert tile.shape == (200, 200, 3) and tile[15, 15, 0] == 230
    run_tool('dataset_converters/raster_to_tiles.py', raster, labels, '--task', 'segmentation',
             '--out', tmp_path / 'seg', '--size', '200', '--classes', 'ground', 'square')
    mask = cv2.imread(str(tmp_path / 'seg' / 'masks' / 'scene_0_0.png'), cv2.IMREAD_UNCHANGED)
    assert mask[15, 15] == 1 and mask[5, 5] == 0


def test_a_classifier_trains_from_labelled_points_and_classifies_raster_windows(tmp_path):
    """The image recognition family from a raster and points: windows centred on each
    point, its class the point's; prediction classifies the raster window by window."""
    import csv

    import geopandas
    from geo_test_utils import CRS, pixel_to_map
    from shapely.geometry import Point
    img = np.zeros((3, 128, 256), np.uint8)
    img[:, :, 128:] = 220
    write_raster(tmp_path / 'halves.tif', img)
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(20, 236, 24), rng.uniform(20, 108, 24)
    geopandas.GeoDataFrame(
        dict(kind=['bright' if x >= 128 else 'dark' for x in xs]),
        geometry=[Point(pixel_to_map(x, y)) for x, y in zip(xs, ys)],
        crs=CRS).to_file(tmp_path / 'points.gpkg')
    dataset = f"""dict(_delete_=True, type='RasterPointDataset', raster='{tmp_path}/halves.tif',
        labels='{tmp_path}/points.gpkg', class_field='kind', classes=('dark', 'bright'),
        windows=dict(size=32, seed=0), pipeline=pipeline)"""
    (tmp_path / 'points.py').write_text(f"""
_base_ = ['{REPO}/configs/imrecog/course-convnet_1xb16-20e_demo-textures-64.py']
pipeline = [dict(type='LoadRasterWindow'), dict(type='Resize', scale=(64, 64)),
            dict(type='PackInputs')]
train_dataloader = dict(dataset={dataset})
val_dataloader = dict(dataset={dataset})
test_dataloader = val_dataloader
model = dict(head=dict(num_classes=2))
data_preprocessor = dict(num_classes=2)
""")
    run_tool('train.py', tmp_path / 'points.py', '--work-dir', tmp_path / 'work', '--cfg-options',
             'train_cfg.max_epochs=1', *IN_PROCESS_LOADERS)
    run_tool('infer.py', tmp_path / 'points.py', tmp_path / 'work' / 'epoch_1.pth',
             tmp_path / 'halves.tif', '--out-dir', tmp_path / 'pred', '--tile', '64')
    with open(tmp_path / 'pred' / 'halves_windows.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 and {r['class'] for r in rows} <= {'dark', 'bright'}
    assert (float(rows[0]['x']), float(rows[0]['y'])) == pixel_to_map(32, 32)


def test_unlabelled_pixels_are_ignored_unless_the_config_names_their_class(tmp_path, capsys):
    """A few polygons per class: pixels outside them are 255 (out of the loss and the
    metric), said once; a config that says they are a class trains them as that class."""
    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    img, boxes = squares_scene()
    raster = write_raster(tmp_path / 'scene.tif', img)
    labels = write_boxes(tmp_path / 'sparse.gpkg', boxes, classes=['square'] * len(boxes))
    options = dict(class_field='species', windows=dict(size=400, sampler='grid'))
    inside = np.zeros((300, 400), bool)
    for x0, y0, x1, y1 in boxes:
        inside[y0:y1, x0:x1] = True
    for unlabelled, outside in ((None, 255), ('ignore', 255), ('ground', 0)):
        found = samples(
            raster, labels, 'segmentation', ('ground', 'square'), unlabelled=unlabelled, **options)
        mask = LoadRasterWindow()(dict(found[0]))['gt_seg_map']
        assert (mask[inside] == 1).all() and (mask[~inside] == outside).all(), unlabelled
    said = capsys.readouterr().err.splitlines()
    assert said.count("sparse.gpkg: pixels outside every label are unlabelled "
                      "(unlabelled='ignore'): left out of the loss and the metric") == 1
    assert said.count("sparse.gpkg: every pixel outside the labels trains as class 'ground' "
                      "(unlabelled='ground')") == 1
    one_line_error(
        lambda: samples(
            raster, labels, 'segmentation', ('ground', 'square'), unlabelled='water', **options),
        r"unlabelled='water': use 'ignore' .* or the class they are, one of "
        r"\['ground', 'square'\]")
    one_line_error(lambda: samples(raster, labels, unlabelled='ignore'),
                   'only segmentation labels leave pixels unlabelled')


def test_a_raster_without_labels_gives_wholly_unlabelled_windows(scene, tmp_path, capsys):
    """labels=None: other rasters of a survey as a semi-supervised segmentor's unlabelled
    windows, every mask pixel 255; refused where no window could be placed or learnt."""
    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    from custom_modules.geo.samples import raster_samples
    raster = str(scene[0])
    windows = dict(size=64, sampler='random', count=5, seed=0)
    found = raster_samples(raster, None, ['ground', 'square'], 'segmentation', windows)
    assert len(found) == 5
    for sample in found:
        mask = LoadRasterWindow()(dict(sample))['gt_seg_map']
        assert mask.shape == (64, 64) and (mask == 255).all()
    assert 'labels=None: every pixel of these windows is unlabelled' in capsys.readouterr().err
    one_line_error(
        lambda: raster_samples(raster, None, ['ground', 'square'], 'segmentation',
                               dict(size=64, sampler='labels')),
        "sampler='labels' needs labels to centre windows on; with labels=None use")
    one_line_error(
        lambda: raster_samples(
            raster, None, ['ground', 'square'], 'segmentation', windows, unlabelled='ground'),
        'labels=None .* is for segmentation windows')
    one_line_error(lambda: raster_samples(raster, None, ['square'], 'detection', windows),
                   'labels=None .* is for segmentation windows')


def test_a_few_labels_give_many_distinct_windows_each_holding_its_label(scene, tmp_path):
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'two.gpkg', boxes[:2])
    found = samples(raster, labels, windows=dict(size=64, sampler='labels', count=40, jitter=0.5))
    windows = [s['window'] for s in found]
    assert len(windows) == 40 and len(set(windows)) >= 30
    centres = [((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in boxes[:2]]
    assert all(
        any(x0 <= cx <= x1 and y0 <= cy <= y1 for cx, cy in centres) for x0, y0, x1, y1 in windows)
    one_line_error(
        lambda: samples(raster, labels, windows=dict(size=64, sampler='labels', jitter=0.8)),
        'windows.jitter=0.8: give a share of the window from 0 to 0.5')


SPARSE_CLASSES = ('water', 'crop', 'tree', 'developed')
SPARSE_CONFIG = '''
_base_ = ['{repo}/configs/_base_/models/unet-course.py',
          '{repo}/configs/_base_/default_runtime_mmseg.py',
          '{repo}/configs/_base_/schedules/course_adam.py']
metainfo = dict(classes={classes}, palette=[[40, 90, 200], [200, 200, 60], [20, 110, 30],
                                            [150, 150, 150]])
reading = dict(bands=(1, 2, 3))
dataset = dict(type='RasterMaskDataset', raster='{raster}', class_field='class',
               metainfo=metainfo, unlabelled='ignore')
train_dataloader = dict(
    batch_size=8, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(labels='{labels}', windows=dict(size=64, sampler='labels', count=256,
                 jitter=0.5, seed=0),
                 pipeline=[dict(type='LoadRasterWindow', **reading),
                           dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')],
                 **dataset))
val_dataloader = dict(
    batch_size=8, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(labels='{check}', windows=dict(size=64, sampler='labels', seed=1),
                 test_mode=True,
                 pipeline=[dict(type='LoadRasterWindow', **reading), dict(type='PackSegInputs')],
                 **dataset))
test_dataloader = val_dataloader
val_evaluator = dict(type='SegReport')
test_evaluator = val_evaluator
model = dict(
    data_preprocessor=dict(size_divisor=16),
    backbone=dict(depth=4),
    decode_head=dict(in_channels=[16, 32, 64, 128, 256], num_classes=4, out_channels=4,
                     loss_decode=dict(_delete_=True, type='CrossEntropyLoss',
                                      avg_non_ignore=True)))
param_scheduler = dict(ramp=1)
train_cfg = dict(max_epochs=4)
default_hooks = dict(checkpoint=dict(interval=4))
'''


def sparse_scene(tmp_path):
    """A 256 px scene of four land covers (quadrants of distinct colour, with noise), one
    small polygon of each class for training and others, apart, to check the map."""
    import geopandas
    from geo_test_utils import pixel_to_map
    from shapely.geometry import box
    rng = np.random.default_rng(0)
    colours = {0: (40, 70, 160), 1: (190, 190, 70), 2: (30, 100, 40), 3: (160, 150, 150)}
    img = np.zeros((3, 256, 256), np.float32)
    quadrant = np.zeros((256, 256), np.int64)
    quadrant[:128, 128:], quadrant[128:, :128], quadrant[128:, 128:] = 1, 2, 3
    for k, colour in colours.items():
        img[:, quadrant == k] = np.float32(colour)[:, None]
    img = np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    raster = write_raster(tmp_path / 'scene.tif', img)

    def polygons(corners, path):
        shapes = [box(*pixel_to_map(x, y + SIDE), *pixel_to_map(x + SIDE, y)) for x, y in corners]
        names = [SPARSE_CLASSES[quadrant[y, x]] for x, y in corners]
        geopandas.GeoDataFrame(
            dict(**{'class': names}), geometry=shapes, crs='EPSG:32617').to_file(path)
        return path

    labels = polygons(TRAIN_CORNERS, tmp_path / 'labels.gpkg')
    check = polygons(CHECK_CORNERS, tmp_path / 'check.gpkg')
    return raster, labels, check, quadrant


SIDE = 32  # a polygon's side in pixels, a 64th of the scene
TRAIN_CORNERS = [(30, 30), (160, 40), (40, 170), (180, 180)]  # one polygon a class
CHECK_CORNERS = [(80, 80), (210, 10), (10, 215), (140, 140)]  # held out, apart from those


def test_one_polygon_a_class_trains_a_map_of_every_class(tmp_path):
    """The GIS user's case: four classes, one small polygon each, no background class. The
    pixels outside the polygons are ignored (the console says so), and the map has every
    class, right on held-out polygons and on most of the scene."""
    import rasterio
    raster, labels, check, quadrant = sparse_scene(tmp_path)
    config = tmp_path / 'sparse.py'
    config.write_text(
        SPARSE_CONFIG.format(
            repo=REPO, classes=SPARSE_CLASSES, raster=raster, labels=labels, check=check))
    trained = run_tool('train.py', config, '--work-dir', tmp_path / 'work')
    assert "labels.gpkg: pixels outside every label are unlabelled (unlabelled='ignore')" \
        in trained.stderr
    run_tool('infer.py', config, tmp_path / 'work' / 'epoch_4.pth', raster, '--out-dir',
             tmp_path / 'pred')
    with rasterio.open(tmp_path / 'pred' / 'scene_classes.tif') as out:
        got = out.read(1)
    shares = np.bincount(got.ravel(), minlength=4)[:4] / got.size
    assert (shares > 0.1).all(), shares  # every class appears, none swallows the map
    assert (got == quadrant).mean() > 0.9
    for x, y in CHECK_CORNERS:  # the held-out polygons
        assert (got[y:y + SIDE, x:x + SIDE] == quadrant[y, x]).mean() > 0.9


def test_a_raster_dataset_records_its_ground_and_its_stretch(scene, tmp_path):
    from geo_test_utils import CRS, PIXEL
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import custom_modules.imseg  # noqa: F401 (registers RasterMaskDataset)
    from custom_modules.geo.raster import RasterReading, training_scaling
    raster, boxes = scene
    labels = write_boxes(tmp_path / 'squares.gpkg', boxes, classes=['square'] * len(boxes))
    rule = dict(type='percentile', low=2, high=98)
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='RasterMaskDataset',
            raster=str(raster),
            labels=str(labels),
            class_field='species',
            unlabelled='ground',
            metainfo=dict(classes=('ground', 'square')),
            windows=dict(size=200, sampler='grid'),
            pipeline=[dict(type='LoadRasterWindow', scaling=rule)]))
    ground = dataset.metainfo['raster']
    assert {
        k: ground[k]
        for k in ('dtype', 'bands', 'crs', 'pixel_size')
    } == dict(
        dtype='uint8', bands=3, crs=CRS, pixel_size=[PIXEL, PIXEL])
    assert ground['scaling'] == training_scaling([str(raster)], RasterReading(scaling=rule))


def test_rasters_of_another_pixel_size_train_resampled_to_res(scene, tmp_path, capsys):
    """One ground at 0.5 m and at 1 m: windows of the 1 m raster are read resampled to the
    first raster's 0.5 m (said once), so the same ground gives the same training window,
    its mask burnt at 0.5 m too; ``res`` chooses another pixel size."""
    import cv2
    from geo_test_utils import geotransform

    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    fine, boxes = scene
    img, _ = squares_scene()
    coarse_img = np.stack([cv2.resize(b, (200, 150), interpolation=cv2.INTER_AREA) for b in img])
    coarse = write_raster(tmp_path / 'coarse.tif', coarse_img, transform=geotransform(pixel=1.0))
    labels = write_boxes(tmp_path / 'squares.gpkg', boxes, classes=['square'] * len(boxes))
    options = dict(class_field='species', unlabelled='ground', windows=dict(size=100))
    found = samples([str(fine), str(coarse)], labels, 'segmentation', ('ground', 'square'),
                    **options)
    assert 'coarse.tif: pixels of 1 m, read resampled to 0.5 m (res) for training' in \
        capsys.readouterr().err
    by_raster = {}
    for s in found:
        by_raster.setdefault(s['img_path'], []).append(s)
    assert len(by_raster[str(fine)]) == len(by_raster[str(coarse)]) == 12  # 4 x 3 windows
    assert all('out_shape' not in s for s in by_raster[str(fine)])
    load = LoadRasterWindow()
    for a, b in zip(by_raster[str(fine)], by_raster[str(coarse)]):
        assert b['window'] == tuple(v / 2 for v in a['window']) and b['out_shape'] == (100, 100)
        one, other = load(dict(a)), load(dict(b))
        assert other['img'].shape == one['img'].shape == (100, 100, 3)
        assert np.array_equal(one['gt_seg_map'], other['gt_seg_map'])  # labels at 0.5 m
        bright = one['img'][..., 0] > 128
        assert ((other['img'][..., 0] > 128) == bright).mean() > 0.95
    found = samples([str(fine), str(coarse)],
                    labels,
                    'segmentation', ('ground', 'square'),
                    res=1.0,
                    **options)
    assert 'scene.tif: pixels of 0.5 m, read resampled to 1 m (res)' in capsys.readouterr().err
    assert {s['out_shape'] for s in found if 'out_shape' in s} == {(100, 100)}
    assert all(s['img_path'] == str(fine) for s in found if 'out_shape' in s)


def test_a_survey_of_rasters_trains_with_one_stretch(tmp_path):
    """A percentile rule over two rasters, one dark, one bright: every training window is
    read with the numbers of both together (as prediction reads them), not stretched by
    its own raster's percentiles."""
    from geo_test_utils import CRS
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import custom_modules.imseg  # noqa: F401 (registers RasterMaskDataset)
    img, boxes = squares_scene()
    dark = write_raster(tmp_path / 'dark.tif', (img.astype(np.uint16) * 4))  # 80-920
    bright = write_raster(tmp_path / 'bright.tif', (img.astype(np.uint16) * 4 + 1000))
    labels = write_boxes(tmp_path / 'squares.gpkg', boxes, classes=['square'] * len(boxes))
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='RasterMaskDataset',
            raster=[str(dark), str(bright)],
            labels=str(labels),
            class_field='species',
            unlabelled='ground',
            metainfo=dict(classes=('ground', 'square')),
            windows=dict(size=400, sampler='grid'),
            pipeline=[
                dict(type='LoadRasterWindow', scaling=dict(type='percentile', low=0, high=100))
            ]))
    assert dataset.metainfo['raster']['crs'] == CRS
    assert dataset.metainfo['raster']['scaling'] == dict(
        type='minmax', min=[80.0] * 3, max=[1920.0] * 3)
    dark_img, bright_img = (dataset[i]['img'] for i in (0, 1))
    # 920 of 80-1920 is 116 of 255: the dark raster stays dark, the bright one bright
    assert dark_img.max() == pytest.approx(116.4, abs=0.5)
    assert bright_img.min() == pytest.approx(138.6, abs=0.5) and bright_img.max() == 255


def test_training_windows_use_the_readings_nodata_as_prediction_does(tmp_path, capsys):
    """A raster with zero-filled edges and no nodata value set: a reading with nodata=0
    passes over the windows of zeros in training as prediction does (one check for both)."""
    from custom_modules.geo.raster import RasterReading
    img, boxes = squares_scene()
    img[:, :, 200:] = 0  # no nodata in the file
    raster = write_raster(tmp_path / 'edges.tif', img)
    labels = write_boxes(tmp_path / 'boxes.gpkg', boxes[:3])
    every = samples(raster, labels, windows=dict(size=100, sampler='grid'))
    assert len(every) == 12
    found = samples(
        raster, labels, windows=dict(size=100, sampler='grid'), reading=RasterReading(nodata=0))
    assert {s['window'][0] for s in found} == {0, 100}
    assert 'passed over 6 window(s) of nodata only' in capsys.readouterr().err


def test_a_grid_scores_each_pixel_once(scene, tmp_path):
    """The last window of a grid row overlaps the one before it (it ends at the edge): its
    shared pixels are ignored in it, so a validation over the grid counts every pixel
    once (a reference point in the overlap was counted twice)."""
    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    raster, boxes = scene  # 400 x 300: windows of 128 start at x 0, 128, 256, 272
    labels = write_boxes(tmp_path / 'squares.gpkg', boxes, classes=['square'] * len(boxes))
    found = samples(
        raster,
        labels,
        'segmentation', ('ground', 'square'),
        class_field='species',
        unlabelled='ground',
        windows=dict(size=128, sampler='grid'))
    load = LoadRasterWindow()
    counts = np.zeros(2, np.int64)
    for sample in found:
        mask = load(dict(sample))['gt_seg_map']
        counts += np.bincount(mask[mask != 255], minlength=2)
    assert counts.sum() == 400 * 300 and counts[1] == len(boxes) * 20 * 20
    by_corner = {s['window'][:2]: s for s in found}  # rows start at y 0, 128, 172
    assert by_corner[(256, 128)]['owned'] == (0, 0, 16, 44) and 'owned' not in by_corner[(272, 172)]


# The roofs tile under the raster segmentation defaults (the geo demo config: its model,
# loss and schedule), with its one band and 5 epochs; ``{loss}``: another loss (model keys)
RARE_CONFIG = '''
_base_ = ['{repo}/configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py']
metainfo = dict(classes=('ground', 'building'), palette=[[90, 90, 90], [200, 40, 40]])
dataset = dict(_delete_=True, type='RasterMaskDataset', raster='{raster}', labels='{labels}',
               class_field='class', metainfo=metainfo, unlabelled='ground')
pipeline = [dict(type='LoadRasterWindow', bands=(1, )), dict(type='PackSegInputs')]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(windows=dict(size=64, sampler='random', count=64, seed=0,
                              region=(0, 0, 0.75, 1)), pipeline=pipeline, **dataset))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(windows=dict(size=64, sampler='grid', region=(0.75, 0, 1, 1)),
                 test_mode=True, pipeline=pipeline, **dataset))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(mean=[100.0], std=[20.0]), backbone=dict(in_channels=1),
             {loss})
param_scheduler = dict(ramp=1)
train_cfg = dict(max_epochs=5)
default_hooks = dict(checkpoint=dict(interval=5))
randomness = dict(seed=0)
'''
BINARY_CROSS_ENTROPY = ("decode_head=dict(loss_decode=dict(_delete_=True, "
                        "type='CrossEntropyLoss', use_sigmoid=True))")


def roofs_scene(tmp_path, count=70, side=6, labelled=None, ground=0):
    """A one-band 256 px tile of ground with ``count`` small roofs a little brighter than it
    (70 of 6 x 6 px: 3.8 % of the pixels), and the roofs as polygons: all of them, or the
    first ``labelled`` and ``ground`` squares of 8 px of bare ground (sparse labels of both
    classes, as a GIS user draws them)."""
    rng = np.random.default_rng(0)
    img = rng.normal(100, 20, (1, 256, 256))
    boxes = []
    while len(boxes) < count:
        x, y = (int(v) for v in rng.integers(2, 256 - side - 2, 2))
        if all(abs(x - a) > side + 2 or abs(y - b) > side + 2 for a, b, _, _ in boxes):
            boxes.append((x, y, x + side, y + side))
    for x0, y0, x1, y1 in boxes:
        img[:, y0:y1, x0:x1] += 25
    raster = write_raster(tmp_path / 'tile.tif', np.clip(img, 0, 255).astype(np.uint8))
    drawn = boxes[:labelled]
    bare = []
    while len(bare) < ground:
        x, y = (int(v) for v in rng.integers(0, 256 - 8, 2))
        if all(abs(x - a) > 10 or abs(y - b) > 10 for a, b, _, _ in boxes + bare):
            bare.append((x, y, x + 8, y + 8))
    labels = write_boxes(
        tmp_path / 'roofs.gpkg',
        drawn + bare,
        classes=['building'] * len(drawn) + ['ground'] * len(bare),
        field='class')
    return raster, labels


def rare_run(tmp_path, loss):
    """The roofs tile trained as :data:`RARE_CONFIG`; returns (stderr, building IoU of
    each validation)."""
    raster, labels = roofs_scene(tmp_path)
    config = tmp_path / 'roofs.py'
    config.write_text(RARE_CONFIG.format(repo=REPO, raster=raster, labels=labels, loss=loss))
    trained = run_tool('train.py', config, '--work-dir', tmp_path / 'work')
    scalars = next((tmp_path / 'work').glob('2*/vis_data/scalars.json')).read_text()
    ious = [json.loads(line)['IoU/building'] for line in scalars.splitlines() if 'IoU/' in line]
    return trained.stderr, ious


def test_a_rare_class_never_predicted_is_said_in_one_line(tmp_path):
    """The new user's building tile (roofs 4 % of the pixels) trained with binary
    cross-entropy: the head learns the prior, building IoU 0 at every validation, and the
    console says so once (it said nothing before)."""
    stderr, ious = rare_run(tmp_path, BINARY_CROSS_ENTROPY)
    assert ious[-3:] == [0, 0, 0]
    said = [line for line in stderr.splitlines() if 'never predicted right' in line]
    assert len(said) == 1, stderr[-2000:]
    assert said[0].startswith("WARNING: class 'building' was never predicted right (IoU 0 in 3 "
                              'validations in a row); it is ')
    share = float(said[0].split('it is ')[1].split(' %')[0])
    assert 2 < share < 6  # its share of the pixels training saw
    logs = list((tmp_path / 'work').glob('2*/2*.log'))  # and in the run's log file
    assert any('never predicted right' in log.read_text() for log in logs)


def test_the_raster_defaults_predict_a_rare_class(tmp_path):
    """The same tile and run under the raster defaults as they are (Dice over the batch
    with cross-entropy at 0.2): the roofs are found, and nothing is said."""
    stderr, ious = rare_run(tmp_path, '')
    assert ious[-1] > 20, ious
    assert 'never predicted right' not in stderr
