"""Geospatial rasters: windowed reading, stated scaling, nodata, and prediction with results
in map coordinates (stand-in networks here; the trained models in test_deploy and
test_geo_training)."""
import csv
import json
import os.path as osp

import numpy as np
import pytest
from geo_test_utils import (CRS, ORIGIN, PIXEL, Brightness, det_predictor, geotransform,
                            pixel_to_map, seg_spec, squares_scene, write_raster)

rasterio = pytest.importorskip('rasterio')


def reading(**kwargs):
    from custom_modules.geo.raster import RasterReading
    return RasterReading(**kwargs)


def test_windows_read_what_the_whole_raster_holds(tmp_path):
    rng = np.random.default_rng(0)
    bands = rng.integers(0, 255, (3, 301, 257), dtype=np.uint8)
    path = write_raster(tmp_path / 'rgb.tif', bands, tiled=True, blockxsize=64, blockysize=64)
    with reading().open(str(path)) as source:
        whole, _ = source.read(0, 0, 257, 301)
        assert np.array_equal(whole, bands.transpose(1, 2, 0).astype(np.float32))
        from custom_modules.deploy.processing import windows
        joined = np.zeros_like(whole)
        for x0, y0, x1, y1 in windows(301, 257, 100, 30):
            joined[y0:y1, x0:x1], _ = source.read(x0, y0, x1, y1)
        assert np.array_equal(joined, whole)


def test_sixteen_bit_is_refused_without_a_scaling_rule(tmp_path):
    from custom_modules.errors import ZooError
    bands = (np.arange(3 * 40 * 40, dtype=np.uint16).reshape(3, 40, 40) * 40)
    path = str(write_raster(tmp_path / 'u16.tif', bands))
    with pytest.raises(ZooError, match='uint16 values.*--scale dtype'):
        reading().open(path)
    with reading(scaling='dtype').open(path) as source:
        values, _ = source.read(0, 0, 40, 40)
    assert np.allclose(values, bands.transpose(1, 2, 0) * (255 / 65535), atol=1e-3)
    rule = dict(type='minmax', min=0, max=4000)
    with reading(scaling=rule).open(path) as source:
        values, _ = source.read(0, 0, 40, 40)
    assert np.allclose(values, np.clip(bands.transpose(1, 2, 0) / 4000 * 255, 0, 255), atol=1e-3)


def test_percentile_stretch_spreads_each_band_alone(tmp_path):
    bands = np.stack([np.tile(np.arange(100, dtype=np.uint16), (50, 1)) * k for k in (1, 5, 30)])
    path = str(write_raster(tmp_path / 'u16.tif', bands))
    with reading(scaling=dict(type='percentile', low=0, high=100)).open(path) as source:
        values, _ = source.read(0, 0, 100, 50)
    for band in range(3):  # every band spans 0-255 whatever its own range
        assert values[..., band].min() == 0 and values[..., band].max() == pytest.approx(255)


def test_bands_by_config_and_nodata_masked(tmp_path):
    from custom_modules.errors import ZooError
    bands = np.stack([np.full((20, 30), v, np.uint16) for v in (100, 200, 300, 400)])
    bands[:, :5, :] = 0  # the top rows: nodata in every band
    path = str(write_raster(tmp_path / 'nir.tif', bands, nodata=0))
    rule = dict(type='minmax', min=0, max=510)
    with reading(bands=(4, 3, 2), scaling=rule).open(path) as source:
        values, valid = source.read(0, 0, 30, 20)
        assert np.allclose(values[10, 10], [200, 150, 100])  # band 4 first
        assert not valid[:5].any() and valid[5:].all()
        assert (values[:5] == 0).all()
        assert not source.valid(0, 0, 30, 5).any()
    with reading(bands=(1, 2, 3, 4), scaling=rule, channels=4).open(path) as source:
        assert source.read(0, 0, 30, 20)[0].shape == (20, 30, 4)
    with pytest.raises(ZooError, match=r'has 4 band\(s\).*bands \[5\]'):
        reading(bands=(5, 1, 2), scaling=rule).open(path)
    with pytest.raises(ZooError, match='network takes 3 input channels'):
        reading(bands=(1, 2, 3, 4), scaling=rule)


def test_class_raster_keeps_the_source_place_and_marks_nodata(tmp_path):
    from custom_modules.deploy import Predictor, predict_folder
    img, boxes = squares_scene()
    img[:, 250:, :60] = 0  # a corner without data
    path = write_raster(tmp_path / 'scene.tif', img, nodata=0)
    predictor = Predictor(seg_spec(), Brightness())
    summary = predict_folder(predictor, str(path), str(tmp_path / 'out'), tile=96, overlap=32)
    assert 'scene_classes.tif' in summary
    with rasterio.open(tmp_path / 'out' / 'scene_classes.tif') as out, rasterio.open(path) as src:
        assert out.crs == src.crs and out.transform == src.transform
        assert (out.width, out.height) == (src.width, src.height) and out.nodata == 255
        assert out.profile['tiled'] and out.profile['compress'] == 'deflate'
        mask = out.read(1)
    expected = (img[0] > 128).astype(np.uint8)
    expected[250:, :60] = 255
    assert np.array_equal(mask, expected)


def test_class_raster_of_a_raster_taller_than_many_window_rows(tmp_path):
    """Rows are written as they finish: the result equals one whole-raster prediction."""
    from custom_modules.deploy import Predictor
    from custom_modules.deploy.rasters import predict_raster, reading_of
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (3, 530, 170), dtype=np.uint8)
    path = str(write_raster(tmp_path / 'tall.tif', img))
    predictor = Predictor(seg_spec(), Brightness())
    predict_raster(
        predictor,
        path,
        reading_of(predictor.spec),
        str(tmp_path),
        tile=64,
        overlap=16,
        probabilities=True)
    with rasterio.open(tmp_path / 'tall_classes.tif') as out:
        assert np.array_equal(out.read(1), (img[0] > 128).astype(np.uint8))
    with rasterio.open(tmp_path / 'tall_probs.tif') as probs:
        p = probs.read()
        assert p.shape == (2, 530, 170) and np.allclose(p.sum(axis=0), 1, atol=1e-5)


DET_TILING = dict(tile=100, overlap=40)


def test_boxes_land_on_the_objects_in_map_coordinates(tmp_path):
    import geopandas

    from custom_modules.deploy import predict_folder
    img, boxes = squares_scene()
    path = write_raster(tmp_path / 'scene.tif', img)
    summary = predict_folder(det_predictor(), str(path), str(tmp_path / 'out'), **DET_TILING)
    assert '7 boxes' in summary
    found = geopandas.read_file(tmp_path / 'out' / 'scene_detections.gpkg')
    assert found.crs == CRS and len(found) == 7 and set(found.label) == {'square'}
    expected = sorted((*pixel_to_map(x0, y1), *pixel_to_map(x1, y0)) for x0, y0, x1, y1 in boxes)
    assert np.allclose(sorted(map(tuple, found.geometry.bounds.to_numpy())), expected)
    wgs84 = geopandas.read_file(tmp_path / 'out' / 'scene_detections.geojson')
    assert wgs84.crs == 'EPSG:4326' and len(wgs84) == 7
    with open(tmp_path / 'out' / 'counts.csv') as f:
        assert list(csv.reader(f))[1:] == [['scene.tif', 'square', '7']]


def test_detections_on_nodata_are_dropped(tmp_path):
    import geopandas

    from custom_modules.deploy import predict_folder
    img, _ = squares_scene()
    img[1:, :, :] = np.where(img[:1] > 0, img[1:], 0)
    img[:, :, 340:] = 0  # the square at x 360 lies on nodata
    path = write_raster(tmp_path / 'scene.tif', img, nodata=0)
    predict_folder(det_predictor(), str(path), str(tmp_path / 'out'), **DET_TILING)
    assert len(geopandas.read_file(tmp_path / 'out' / 'scene_detections.gpkg')) == 6


def test_a_raster_without_crs_is_predicted_in_pixels_with_a_warning(tmp_path, capsys):
    from custom_modules.deploy import predict_folder
    img = np.full((4, 40, 40), 300, np.uint16)  # 16-bit, 4 bands: OpenCV would change it
    path = write_raster(tmp_path / 'plain.tif', img, crs=None)
    predictor = det_predictor()
    predictor.spec['input']['mean'] = [0.0] * 4
    predict_folder(
        predictor, str(path), str(tmp_path / 'out'), geo=dict(scaling='dtype'), **DET_TILING)
    assert 'has no CRS: its results are in pixel coordinates' in capsys.readouterr().err


def test_windows_are_classified_with_their_map_centres(tmp_path):
    from custom_modules.deploy import Predictor, predict_folder

    class Bright:

        def __call__(self, x):
            p = float(x.mean() > 0)
            return [np.float32([[1 - p, p]])]

    spec = dict(
        task='classification',
        classes=['dark', 'bright'],
        input=dict(size=[32, 32], keep_ratio=False, mean=[128.0] * 3, std=[1.0] * 3))
    img = np.zeros((3, 64, 128), np.uint8)
    img[:, :, 64:] = 255
    path = write_raster(tmp_path / 'half.tif', img)
    predict_folder(Predictor(spec, Bright()), str(path), str(tmp_path / 'out'), tile=64)
    with open(tmp_path / 'out' / 'half_windows.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['class'] for r in rows] == ['dark', 'bright']
    assert (float(rows[1]['x']), float(rows[1]['y'])) == pixel_to_map(96, 32)


def test_pictures_and_plain_tiffs_still_predict_as_pictures(tmp_path):
    from custom_modules.geo.raster import is_raster
    img, _ = squares_scene(40, 40, squares=((5, 5), ))
    assert not is_raster(str(write_raster(tmp_path / 'plain.tif', img, crs=None)))
    assert is_raster(str(write_raster(tmp_path / 'geo.tif', img)))
    assert is_raster(str(write_raster(tmp_path / 'u16.tif', img.astype(np.uint16), crs=None)))


def test_geotransform_helper_places_pixels():
    assert geotransform() @ (2, 4) == pixel_to_map(2, 4)


def test_the_ground_of_training_rasters_is_recorded_in_metres():
    """Data type, bands, CRS and pixel size (metres; degrees converted at the centre)."""
    import tempfile

    from custom_modules.geo.raster import raster_facts
    img = np.zeros((4, 20, 30), np.uint16)
    with tempfile.TemporaryDirectory() as folder:
        utm = write_raster(f'{folder}/utm.tif', img)
        degrees = write_raster(
            f'{folder}/wgs84.tif',
            img,
            crs='EPSG:4326',
            transform=rasterio.transform.from_origin(-80.0, 30.0, 1e-5, 1e-5))
        assert raster_facts(str(utm)) == dict(
            dtype='uint16', bands=4, crs=CRS, pixel_size=[abs(geotransform().a)] * 2)
        got = raster_facts(str(degrees))
    assert got['crs'] == 'EPSG:4326' and got['dtype'] == 'uint16'
    # 1e-5 degrees at 30 degrees north: 0.964 m east-west, 1.106 m north-south
    assert got['pixel_size'] == pytest.approx([0.964, 1.106], abs=0.002)


def trained_spec(dtype='uint16', low=0, high=10200):
    spec = seg_spec()
    spec['input']['raster'] = dict(
        bands=[1, 2, 3],
        scaling=dict(type='minmax', min=[low], max=[high]),
        nodata=None,
        trained_on=dict(dtype=dtype, bands=3, crs=CRS, pixel_size=[0.5, 0.5]))
    return spec


def test_another_bit_depth_or_value_range_stops_unless_scale_is_given(tmp_path, capsys):
    """A uint8 raster through a model of 16-bit rasters reached the network as values 0-6
    of 255, silently; values mostly beyond the model's range reached it as one flat value.
    Both stop with one line; --scale reads them anyway, and says so."""
    from custom_modules.deploy import Predictor, predict_folder
    from custom_modules.errors import ZooError
    img, _ = squares_scene()
    eight = write_raster(tmp_path / 'eight.tif', img)
    with pytest.raises(
            ZooError,
            match=r'eight.tif holds uint8 values but the model was trained '
            r'on uint16 rasters .* give --scale'):
        predict_folder(Predictor(trained_spec(), Brightness()), str(eight), str(tmp_path / 'a'))
    bright = write_raster(tmp_path / 'bright.tif', img.astype(np.uint16) * 100 + 20000)
    with pytest.raises(
            ZooError,
            match=r'bright.tif: 100 % of its values are at or above the '
            r"model's scaling range"):
        predict_folder(Predictor(trained_spec(), Brightness()), str(bright), str(tmp_path / 'b'))
    summary = predict_folder(
        Predictor(trained_spec(), Brightness()),
        str(eight),
        str(tmp_path / 'c'),
        geo=dict(scaling='dtype'))
    assert 'eight_classes.tif' in summary
    assert '--scale dtype: rasters are scaled so, not as the model was trained' in \
        capsys.readouterr().err
    ok = write_raster(tmp_path / 'ok.tif', img.astype(np.uint16) * 40)  # within 0-10200
    assert 'ok_classes.tif' in predict_folder(
        Predictor(trained_spec(), Brightness()), str(ok), str(tmp_path / 'd'))


@pytest.mark.parametrize('rows', [2048, 37])  # one block, and seams through the squares
def test_the_class_map_comes_back_as_polygons_in_map_coordinates(tmp_path, rows):
    """Each patch of a class one polygon with its class and area (m²), holes kept, in the
    raster's CRS; patches cut by the reading's row seams are joined; small ones can be
    left out with min_area."""
    import geopandas
    from geo_test_utils import PIXEL

    from custom_modules.geo.outputs import class_polygons
    img, boxes = squares_scene()
    img[:, 150:250, 300:380] = 230  # a large bright patch with a dark hole in it
    img[:, 190:210, 330:350] = 20
    path = write_raster(tmp_path / 'scene.tif', img)
    from custom_modules.deploy import Predictor, predict_folder
    predict_folder(
        Predictor(seg_spec(), Brightness()), str(path), str(tmp_path / 'out'), tile=96, overlap=32)
    classes_tif = tmp_path / 'out' / 'scene_classes.tif'
    assert (tmp_path / 'out' / 'scene_classes.gpkg').is_file()  # written with the raster
    gpkg = tmp_path / f'polygons_{rows}.gpkg'
    count = class_polygons(str(classes_tif), ['ground', 'square'], str(gpkg), rows=rows)
    found = geopandas.read_file(gpkg)
    assert count == len(found) and found.crs == CRS
    squares = found[found['class'] == 'square']
    pixel_area = PIXEL * PIXEL
    areas = sorted(squares['area_m2'] / pixel_area)
    # the seven 20 px squares whole, and the 80 x 100 px patch less its 20 px hole
    assert areas == pytest.approx([400] * 7 + [80 * 100 - 400])
    patch = squares.loc[squares['area_m2'].idxmax(), 'geometry']
    assert len(patch.interiors) == 1  # the hole is kept
    assert (found['class'] == 'ground').sum() >= 1
    kept = class_polygons(
        str(classes_tif), ['ground', 'square'], str(gpkg), min_area=401 * pixel_area, rows=rows)
    assert sorted(geopandas.read_file(gpkg)['area_m2'] / pixel_area)[0] > 400 and kept < count


def shoreline_x(y):
    """The true shoreline of the synthetic scene: x (pixels) at height y (pixels)."""
    return 100 + 30 * np.sin(2 * np.pi * y / 160)


@pytest.mark.parametrize('rows', [2048, 37])  # one block, and seams across the line
def test_the_shoreline_comes_back_at_sub_pixel_precision(tmp_path, rows):
    """A raster whose first band falls across a known curved shoreline (water to its
    left): the 0.5 contour of P(water), traced at sub-pixel precision, lies on average
    within half a pixel of the true line, in map coordinates, as one line."""
    import geopandas
    from geo_test_utils import ORIGIN, PIXEL
    from shapely.geometry import Point

    import custom_modules.geo.outputs as outputs
    from custom_modules.deploy import Predictor, predict_folder
    height, width = 300, 220
    ys, xs = np.mgrid[0:height, 0:width] + 0.5  # pixel centres
    value = np.clip(128 + 4 * (shoreline_x(ys) - xs), 0, 255).round().astype(np.uint8)
    path = write_raster(tmp_path / 'coast.tif', np.stack([value] * 3))
    spec = seg_spec()
    spec['classes'] = ['land', 'water']
    outputs_rows, outputs.POLYGON_ROWS = outputs.POLYGON_ROWS, rows
    try:
        summary = predict_folder(
            Predictor(spec, Brightness()), str(path), str(tmp_path / 'out'), tile=96, overlap=32)
    finally:
        outputs.POLYGON_ROWS = outputs_rows
    assert '1 boundary lines in' in summary
    found = geopandas.read_file(tmp_path / 'out' / 'coast_shoreline.gpkg')
    assert found.crs == CRS and len(found) == 1
    line = found.geometry[0]
    truth = [
        Point(ORIGIN[0] + shoreline_x(y) * PIXEL, ORIGIN[1] - y * PIXEL)
        for y in np.linspace(1, height - 1, 200)
    ]
    distances = np.array([line.distance(p) for p in truth]) / PIXEL
    assert distances.mean() <= 0.5 and distances.max() < 1.0
    assert found['length_m'][0] == pytest.approx(line.length, abs=0.01)
    assert not list((tmp_path / 'out').glob('*.tmp.tif'))


def test_the_boundary_to_trace_is_water_or_the_classes_named():
    from custom_modules.deploy import task_for
    from custom_modules.errors import ZooError
    task = task_for(dict(task='segmentation', classes=['Land', 'Water', 'Sand']))
    assert task.boundary_classes() == (1, None)  # a class named water, against the rest
    assert task.boundary_classes(['sand', 'water']) == (2, 1)
    assert task_for(dict(task='segmentation', classes=['a', 'b'])).boundary_classes() is None
    with pytest.raises(
            ZooError,
            match=r"--boundary reef: give one or two of the classes "
            r"\['Land', 'Water', 'Sand'\]"):
        task.boundary_classes(['reef'])
    probs = np.float32([[[0.6, 0.1]], [[0.3, 0.2]], [[0.1, 0.7]]])  # land, water, sand
    level = task.boundary_level(probs, (2, 1))
    assert np.isnan(level[0, 0]) and level[0, 1] == pytest.approx(0.5)  # land tops: no line


def test_where_the_model_is_unsure_and_where_to_label_next(tmp_path):
    """A patch whose value the model cannot place (its logits 0: both classes equally
    likely) is where the uncertainty map is 1 and where the first suggested window lies;
    sure pixels are near 0; nodata is -1. A detector asked for the map is refused."""
    import geopandas
    from geo_test_utils import ORIGIN, PIXEL

    from custom_modules.deploy import Predictor, predict_folder
    from custom_modules.errors import ZooError
    img, _ = squares_scene()
    img[:, 200:260, 20:80] = 128  # normalised to 0: logits 0, probabilities 0.5 / 0.5
    img[:, :, 390:] = 0
    path = write_raster(tmp_path / 'scene.tif', img, nodata=0)
    summary = predict_folder(
        Predictor(seg_spec(), Brightness()),
        str(path),
        str(tmp_path / 'out'),
        tile=64,
        overlap=16,
        geo=dict(uncertainty=True, suggest=2))
    assert 'the 2 most uncertain windows in' in summary
    with rasterio.open(tmp_path / 'out' / 'scene_uncertainty.tif') as out:
        unsure = out.read(1)
    assert unsure[200:260, 20:80] == pytest.approx(1.0)
    assert unsure[:150, :350].max() < 0.01 and (unsure[:, 390:] == -1).all()
    chosen = geopandas.read_file(tmp_path / 'out' / 'scene_to_label.gpkg')
    assert list(chosen['rank']) == [1, 2] and chosen.crs == CRS
    x0, _, x1, _ = chosen.geometry[0].bounds
    assert (x0 - ORIGIN[0]) / PIXEL == 0 and (x1 - ORIGIN[0]) / PIXEL == 64  # grid window
    assert not chosen.geometry[0].overlaps(chosen.geometry[1])
    with pytest.raises(ZooError, match='--suggest: a detection model writes no such raster'):
        predict_folder(det_predictor(), str(path), str(tmp_path / 'det'), geo=dict(suggest=2))
    with pytest.raises(ZooError, match='--uncertainty: a detector.* give --tta flip or d4'):
        predict_folder(
            det_predictor(), str(path), str(tmp_path / 'det'), tile=100, geo=dict(uncertainty=True))


def test_a_percentile_rule_becomes_the_training_rasters_numbers(tmp_path):
    """Trained with a percentile stretch, a model reads every raster with the numbers that
    stretch gave over its training rasters, so a darker raster of the survey is not
    stretched to look like the training one."""
    from custom_modules.deploy import Predictor, predict_folder
    from custom_modules.deploy.rasters import reading_of
    from custom_modules.geo.raster import RasterReading, training_scaling
    rng = np.random.default_rng(0)
    bright = write_raster(tmp_path / 'train.tif', rng.integers(1000, 3000, (3, 64, 64), np.uint16))
    rule = dict(type='percentile', low=2, high=98)
    numbers = training_scaling([str(bright)], RasterReading(scaling=rule))
    with RasterReading(scaling=rule).open(str(bright)) as own:  # one raster: its own numbers
        assert numbers['min'] == pytest.approx(own._low.tolist())
        assert numbers['max'] == pytest.approx(own._high.tolist())
    spec = seg_spec()
    spec['input']['raster'] = dict(
        bands=None, scaling=rule, nodata=None, trained_on=dict(dtype='uint16', scaling=numbers))
    assert reading_of(spec).scaling == numbers  # not each raster's own percentiles
    # a darker raster: both halves below the middle of the training stretch (about 2000)
    dark = write_raster(
        tmp_path / 'dark.tif',
        np.concatenate([np.full(
            (3, 64, 32), 1200), np.full((3, 64, 32), 1800)], axis=2).astype(np.uint16))
    predict_folder(Predictor(spec, Brightness()), str(dark), str(tmp_path / 'a'))
    with rasterio.open(tmp_path / 'a' / 'dark_classes.tif') as out:
        assert (out.read(1) == 0).all()  # Brightness: class 1 above the stretch's middle
    # its own percentiles (--scale percentile) would stretch 1800 to the top: class 1
    predict_folder(
        Predictor(spec, Brightness()), str(dark), str(tmp_path / 'b'), geo=dict(scaling=rule))
    with rasterio.open(tmp_path / 'b' / 'dark_classes.tif') as out:
        own = out.read(1)
    assert (own[:, :32] == 0).all() and (own[:, 32:] == 1).all()


def test_an_embedding_model_given_a_raster_says_it_has_no_map_output(tmp_path):
    from custom_modules.deploy import Predictor, predict_folder
    from custom_modules.errors import ZooError
    path = write_raster(tmp_path / 'scene.tif', squares_scene()[0])
    spec = dict(task='embedding', input=dict(size=None, mean=[0.0] * 3, std=[1.0] * 3))
    with pytest.raises(
            ZooError,
            match='^rasters: a embedding model has no map output; predict '
            'pictures instead$'):
        predict_folder(Predictor(spec, network=None), str(path), str(tmp_path / 'out'))


class Recording(Brightness):
    """Brightness that remembers the size of every input it sees."""

    def __init__(self):
        self.sizes = []

    def __call__(self, x):
        self.sizes.append(x.shape[2:])
        return super().__call__(x)


def squares_at(pixel, zoom, tmp_path):
    """The squares scene of a model of ``pixel`` m drawn at ``pixel / zoom`` m a pixel (the
    same ground): a raster ``zoom`` times finer (zoom > 1) or coarser (< 1)."""
    import cv2
    img, boxes = squares_scene(
        180, 240, squares=((12, 12), (60, 30), (120, 96), (180, 48)), side=24)
    height, width = round(180 * zoom), round(240 * zoom)
    bands = np.stack([cv2.resize(b, (width, height), interpolation=cv2.INTER_NEAREST) for b in img])
    path = write_raster(
        tmp_path / f'zoom{zoom:g}.tif', bands, transform=geotransform(pixel=pixel / zoom))
    return str(path), bands, [tuple(v * zoom for v in b) for b in boxes]


@pytest.mark.parametrize('zoom', [6, 1 / 6])
def test_another_pixel_size_is_read_resampled_and_written_on_its_own_grid(tmp_path, capsys, zoom):
    """A model of 0.5 m pixels given a raster six times finer or coarser: each window is
    read resampled to 0.5 m (one line says so), and the class map comes back on the
    raster's own grid; --native-resolution reads it as it is (said too)."""
    from custom_modules.deploy import Predictor, predict_folder
    path, bands, _ = squares_at(0.5, zoom, tmp_path)
    spec = trained_spec('uint8')
    spec['input']['raster'].update(scaling=None, bands=None)
    network = Recording()
    predict_folder(Predictor(spec, network), path, str(tmp_path / 'a'), tile=64)
    name = osp.basename(path)
    own = f'{0.5 / zoom:.3g}'
    assert f"{name}: pixels of {own} m, the model's 0.5 m: read resampled to 0.5 m" in \
        capsys.readouterr().err
    # windows of 64 model pixels: a whole number of the raster's pixels, so within one of
    # them (6 model pixels for the coarser raster)
    assert 64 - 6 <= max(max(s) for s in network.sizes) <= 64 + 6
    stem = osp.splitext(name)[0]
    with rasterio.open(tmp_path / 'a' / f'{stem}_classes.tif') as out, rasterio.open(path) as src:
        assert (out.crs, out.transform, out.width, out.height) == \
            (src.crs, src.transform, src.width, src.height)
        agree = (out.read(1) == (bands[0] > 128)).mean()
    assert agree > 0.98, agree  # bilinear resampling blurs only the squares' edges
    network = Recording()
    predict_folder(
        Predictor(spec, network),
        path,
        str(tmp_path / 'b'),
        tile=64,
        geo=dict(native_resolution=True))
    assert f"{name}: pixels of {own} m, the model's 0.5 m: predicted at {own} m " \
        '(--native-resolution)' in capsys.readouterr().err
    with rasterio.open(tmp_path / 'b' / f'{stem}_classes.tif') as out:
        assert np.array_equal(out.read(1), (bands[0] > 128).astype(np.uint8))
    assert max(max(s) for s in network.sizes) == min(64, max(bands.shape[1:]))


def test_boxes_of_a_finer_raster_come_back_in_its_pixels_and_map_coordinates(tmp_path, capsys):
    """Detection on a raster six times finer than the model's pixels: the windows are read
    at the model's 0.5 m, the boxes come back in the raster's pixels (map coordinates
    within one model pixel of the truth)."""
    import geopandas

    from custom_modules.deploy import predict_folder
    path, _, boxes = squares_at(0.5, 6, tmp_path)
    predictor = det_predictor()
    predictor.spec['input']['raster'] = dict(trained_on=dict(dtype='uint8', pixel_size=[0.5, 0.5]))
    seen = []
    detect = predictor.predict_whole
    predictor.predict_whole = lambda img: seen.append(img.shape) or detect(img)
    predict_folder(predictor, path, str(tmp_path / 'out'), tile=100, overlap=40)
    assert 'read resampled to 0.5 m' in capsys.readouterr().err
    assert max(max(s[:2]) for s in seen) == 100
    found = geopandas.read_file(tmp_path / 'out' / 'zoom6_detections.gpkg')
    assert len(found) == len(boxes)
    fine = 0.5 / 6
    expected = sorted((*pixel_to_map(x0, y1, pixel=fine), *pixel_to_map(x1, y0, pixel=fine))
                      for x0, y0, x1, y1 in boxes)
    got = sorted(map(tuple, found.geometry.bounds.to_numpy()))
    assert np.allclose(got, expected, atol=0.5), (got, expected)


def test_gdal_cache_is_bounded_to_megabytes_not_bytes(tmp_path, monkeypatch):
    """rasterio hands an integer GDAL_CACHEMAX to GDAL in bytes: the old bound of 256 was a
    256-byte cache (every block decoded again). Prediction and each data-loader worker
    bound it to 256 MB; GDAL_CACHEMAX in the environment wins."""
    import multiprocessing

    from rasterio.env import get_gdal_config

    from custom_modules.geo.raster import GDAL_CACHE_BYTES, gdal_cache_env
    monkeypatch.delenv('GDAL_CACHEMAX', raising=False)
    with gdal_cache_env():
        assert get_gdal_config('GDAL_CACHEMAX') == GDAL_CACHE_BYTES == 256 * 2**20
    img, boxes = squares_scene()
    path = str(write_raster(tmp_path / 'scene.tif', img))
    with multiprocessing.get_context('fork').Pool(1) as pool:  # as a data-loader worker
        assert pool.apply(_cache_after_a_training_read, (path, )) == GDAL_CACHE_BYTES


def _cache_after_a_training_read(path):
    from rasterio.env import get_gdal_config

    from custom_modules.datasets.raster_transforms import LoadRasterWindow
    LoadRasterWindow()(dict(img_path=path, window=(0, 0, 64, 64)))
    return get_gdal_config('GDAL_CACHEMAX')


def test_boxes_carry_the_disagreement_of_views_and_members(tmp_path):
    """--uncertainty with a detector: each box's score_std is the spread of its score over
    the ensemble's members (0 where a member found nothing), computed by hand here."""
    import geopandas
    from test_tta import DET_SPEC, SquareNetwork

    from custom_modules.deploy import Predictor, predict_folder

    class LeftOnly(SquareNetwork):
        """Finds only the squares left of x 150."""

        def __call__(self, x):
            x = x.copy()
            x[..., 150:] = -128
            return super().__call__(x)

    img, boxes = squares_scene()
    path = write_raster(tmp_path / 'scene.tif', img)
    predictor = Predictor(DET_SPEC, SquareNetwork(0.6), ensemble=[LeftOnly(0.8)])
    predict_folder(predictor, str(path), str(tmp_path / 'out'), geo=dict(uncertainty=True))
    found = geopandas.read_file(tmp_path / 'out' / 'scene_detections.gpkg')
    assert len(found) == len(boxes)
    left = (found.geometry.bounds.maxx - ORIGIN[0]) / PIXEL <= 150
    # both members: std(0.6, 0.8) = 0.1, best score 0.8; the first only: std(0.6, 0) = 0.3
    assert np.allclose(found.score_std[left], 0.1) and np.allclose(found.score[left], 0.8)
    assert np.allclose(found.score_std[~left], 0.3) and np.allclose(found.score[~left], 0.6)
    assert left.sum() == sum(x1 <= 150 for _, _, x1, _ in boxes)


def test_the_accuracy_of_a_map_at_points_and_polygons_equals_a_hand_count(tmp_path):
    """A 3-class map scored at reference points and polygons: the confusion matrix,
    overall accuracy, kappa, producer's and user's accuracy by hand; nodata left out."""
    import geopandas
    from shapely.geometry import Point, box

    from custom_modules.errors import ZooError
    from custom_modules.geo.accuracy import accuracy_report, map_classes, reference_pairs
    classes = ['sand', 'water', 'grass']
    grid = np.zeros((1, 10, 10), np.uint8)  # sand; water right half; grass bottom-left
    grid[0, :, 5:] = 1
    grid[0, 7:, :5] = 2
    grid[0, 0, 0] = 255  # nodata
    path = write_raster(tmp_path / 'map.tif', grid, nodata=255)
    with rasterio.open(path, 'r+') as ds:
        ds.update_tags(1, classes=','.join(classes))
    assert map_classes(str(path)) == classes
    plain = write_raster(tmp_path / 'plain.tif', grid, nodata=255)
    with pytest.raises(ZooError, match='plain.tif carries no class names .* --classes'):
        map_classes(str(plain))
    centre = lambda col, row: Point(*pixel_to_map(col + 0.5, row + 0.5))  # noqa: E731
    points = geopandas.GeoDataFrame(
        dict(kind=['sand', 'sand', 'water', 'water', 'grass', 'sand', 'sand']),
        geometry=[
            centre(1, 1),  # sand -> sand
            centre(6, 1),  # sand -> water
            centre(8, 8),  # water -> water
            centre(2, 8),  # water -> grass
            centre(1, 9),  # grass -> grass
            centre(0, 0),  # on nodata: left out
            Point(*pixel_to_map(50, 50)),  # off the map: left out
        ],
        crs=CRS).to_crs('EPSG:4326')  # another CRS, reprojected
    points.to_file(tmp_path / 'points.gpkg')
    truth, predicted = reference_pairs(str(path), str(tmp_path / 'points.gpkg'), classes, 'kind')
    report = accuracy_report(truth, predicted, classes)
    assert report['confusion'] == [[1, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert report['overall'] == 60.0
    # chance agreement: (2*1 + 2*2 + 1*2) / 25 = 0.32; kappa (0.6 - 0.32) / 0.68
    assert report['kappa'] == pytest.approx(0.28 / 0.68, abs=1e-4)
    assert report['producers'] == [50.0, 50.0, 100.0] and report['users'] == [100.0, 50.0, 50.0]
    assert report['iou'] == [50.0, pytest.approx(33.33), 50.0]
    square = box(*pixel_to_map(5, 4), *pixel_to_map(7, 2))  # 2 x 2 pixels of water
    geopandas.GeoDataFrame(
        dict(kind=['water']), geometry=[square], crs=CRS).to_file(tmp_path / 'polygon.gpkg')
    truth, predicted = reference_pairs(str(path), str(tmp_path / 'polygon.gpkg'), classes, 'kind')
    assert truth.tolist() == [1] * 4 and predicted.tolist() == [1] * 4
    from zoo_test_utils import run_tool  # the tool, side by side with itself
    out = run_tool('analysis_tools/map_accuracy.py', path, path, '--reference',
                   tmp_path / 'points.gpkg', '--class-field', 'kind', '--out', tmp_path / 'a.json')
    assert out.stdout.count('overall accuracy 60.0 %') == 2
    assert json.loads((tmp_path / 'a.json').read_text())[str(path)]['confusion'][0] == [1, 1, 0]
