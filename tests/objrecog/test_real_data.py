"""Real aerial data: the DeepForest converter's tiling and layout, and the torchvision peer
the detection recipe is measured against (a smoke run, so that it keeps working)."""
import csv
import json
import sys
import zipfile

import cv2
import numpy as np
import pytest

from zoo_test_utils import REPO, run

sys.path.insert(0, str(REPO / 'tools' / 'dataset_converters'))
import deepforest_trees  # noqa: E402
import neon_osbs_raster  # noqa: E402


def voc(boxes):
    objects = ''.join(f'<object><name>Tree</name><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin>'
                      f'<xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>' for b in boxes)
    return f'<annotation>{objects}</annotation>'


def fake_wheel(path):
    """A wheel with the two scenes the converter reads: 500 x 450 and 300 x 300 px."""
    rng = np.random.default_rng(0)
    scenes = {
        deepforest_trees.TRAIN: ((450, 500), [[10, 10, 50, 50], [380, 100, 420, 140]]),
        deepforest_trees.TEST: ((300, 300), [[100, 100, 140, 150]]),
    }
    with zipfile.ZipFile(path, 'w') as z:
        for name, (shape, boxes) in scenes.items():
            image = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
            z.writestr(f'deepforest/data/{name}.png', cv2.imencode('.png', image)[1].tobytes())
            z.writestr(f'deepforest/data/{name}.xml', voc(boxes))
    return path


def test_tiles_cover_the_image_and_keep_crowns_mostly_inside():
    assert deepforest_trees.starts(500, 400) == [0, 100]
    assert deepforest_trees.starts(300, 400) == [0]
    image = np.zeros((450, 500, 3), np.uint8)
    boxes = np.array([[380, 100, 420, 140], [390, 10, 430, 50]], np.float32)
    got = list(deepforest_trees.tiles(image, boxes, 400))
    assert len(got) == 4
    first = got[0][1]  # tile (0, 0): the first box is half inside (kept, clipped), the
    assert first.tolist() == [[380, 100, 400, 140]]  # second only a quarter (dropped)
    assert got[1][1].tolist() == [[280, 100, 320, 140], [290, 10, 330, 50]]  # tile x=100


def test_converter_writes_the_course_csv_layout(tmp_path):
    out = tmp_path / 'trees'
    deepforest_trees.convert(str(fake_wheel(tmp_path / 'deepforest.whl')), str(out), 400)
    rows = {
        split: list(csv.DictReader(open(out / f'{split}.csv')))
        for split in ('train', 'val', 'test')
    }
    assert len({r['filename'] for r in rows['val']}) == 1  # tile 0 of 4
    assert len({r['filename'] for r in rows['train']}) == 3
    assert [(r['class'], r['xmin'], r['ymax']) for r in rows['test']] == [('tree', '100', '150')]
    for split in rows.values():
        for r in split:
            image = cv2.imread(str(out / 'images' / r['filename']))
            assert image.shape[:2] == (int(r['height']), int(r['width']))


@pytest.mark.timeout(300)
def test_torchvision_peer_trains_and_reports(tmp_path):
    out = tmp_path / 'trees'
    deepforest_trees.convert(str(fake_wheel(tmp_path / 'deepforest.whl')), str(out), 400)
    run([
        sys.executable, '.dev_scripts/benchmarks/torchvision_retinanet.py', '--data', out,
        '--minutes', '0.05', '--out', tmp_path / 'peer.json'
    ])
    result = json.loads((tmp_path / 'peer.json').read_text())
    assert result['trained']['iterations'] >= 1
    assert set(result['test']) == set(result['val']) == {'bbox_mAP', 'bbox_mAP_50', 'count_mae'}
    assert result['test']['count_mae'] >= 0


def test_the_osbs_converter_puts_the_crowns_on_the_map(tmp_path):
    """The GeoTIFF as shipped and its pixel boxes as map polygons through its own transform."""
    geopandas = pytest.importorskip('geopandas')
    from geo_test_utils import pixel_to_map, write_raster
    raster = write_raster(tmp_path / 'scene.tif', np.zeros((3, 40, 50), np.uint8))
    with zipfile.ZipFile(tmp_path / 'deepforest.whl', 'w') as z:
        z.write(raster, 'deepforest/data/OSBS_029.tif')
        z.writestr('deepforest/data/OSBS_029.csv',
                   'image_path,xmin,ymin,xmax,ymax,label\nOSBS_029.tif,4,6,14,20,Tree\n')
    neon_osbs_raster.convert(str(tmp_path / 'deepforest.whl'), str(tmp_path / 'out'))
    crowns = geopandas.read_file(tmp_path / 'out' / 'OSBS_029_crowns.gpkg')
    assert crowns.crs == 'EPSG:32617' and crowns['class'].tolist() == ['tree']
    assert np.allclose(crowns.total_bounds, [*pixel_to_map(4, 20), *pixel_to_map(14, 6)])
