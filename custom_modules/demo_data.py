"""The embedded demo data: small, deterministic, coastal-looking images for every family.

No dataset can be downloaded at run time, so the demo configs train on data made here
from a seed. Each family's folder gets a ``.complete`` marker written last, so a half
written folder (a killed run) is regenerated, never half used.

Layout under ``root`` (default ``data/demo``)::

    imrecog/{train,val}/<class>/*.png            4 texture classes, 64x64
    objrecog/images/{train,val}/*.png            beach scenes with people, 128x128
    objrecog/annotations/{train,val}.json        COCO boxes (class ``person``)
    imseg/{images,masks}/{train,val}/*.png       water/sand scenes, mask 0 water 1 sand
    ssimrecog/train/<class>/*.png                harder textures (colour tells nothing); configs
                                                 draw a few labelled ones per class from a seed
                                                 and use the rest as unlabelled
    ssimrecog/val/<class>/*.png
    geo/mosaic.tif                               a 1024 px 4-band (R, G, B, NIR) uint16 GeoTIFF
                                                 orthomosaic (UTM 17N, 0.5 m, nodata 0 in a
                                                 corner), people on the sand
    geo/shoreline.gpkg                           sand polygons (field ``class``), in WGS 84
    geo/people.gpkg                              person boxes (field ``class``), in UTM 17N
"""
import fcntl
import json
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image

from . import families

DEMO_ROOT = 'data/demo'
FAMILIES = families.names()
TEXTURE_CLASSES = ('ripples', 'pebbles', 'marsh', 'water')
VERSION = 3  # bump when the generated data changes

_SPLITS = dict(
    imrecog=dict(train=60, val=25),
    objrecog=dict(train=160, val=40),
    imseg=dict(train=120, val=30),
    ssimrecog=dict(train=100, val=50),
)

# --- pictures -------------------------------------------------------------------------


def _grid(size):
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    return y, x


def _smooth_noise(rng, size, cells):
    """Low-frequency noise in [0, 1]: random cells upsampled bilinearly."""
    small = rng.random((cells, cells)).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
    return np.asarray(img, np.float32) / 255


# Base colours of the hard textures, whatever their class.
_SHARED_PALETTE = ((190, 170, 120), (140, 130, 120), (90, 120, 60), (50, 100, 140))


def _colourise(gray, rng, base, hard=False):
    """Map a [0,1] pattern to RGB around a jittered base colour (``hard``: drawn from a
    palette shared by all classes)."""
    if hard:
        base = _SHARED_PALETTE[int(rng.integers(len(_SHARED_PALETTE)))]
    base = np.clip(np.array(base, np.float32) + rng.normal(0, 12, 3), 0, 255)
    contrast = rng.uniform(45, 80)
    rgb = base[None, None, :] + (gray[..., None] - 0.5) * contrast
    rgb += rng.normal(0, 6, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def texture(rng, cls, size=64, hard=False):
    """One texture image of class ``cls`` (one of TEXTURE_CLASSES); ``hard``: its colour
    says nothing about its class."""
    y, x = _grid(size)
    if cls == 'ripples':  # near-horizontal sand ripples
        angle = rng.uniform(-0.35, 0.35)
        freq = rng.uniform(5, 9)
        phase = rng.uniform(0, 2 * np.pi)
        along = y * np.cos(angle) + x * np.sin(angle)
        gray = 0.5 + 0.5 * np.sin(2 * np.pi * freq * along + phase)
        return _colourise(gray, rng, (190, 170, 120), hard)
    if cls == 'pebbles':  # scattered round stones
        gray = np.full((size, size), 0.3, np.float32)
        for _ in range(rng.integers(18, 30)):
            cy, cx = rng.random(2)
            r = rng.uniform(0.03, 0.08)
            gray[(y - cy)**2 + (x - cx)**2 < r**2] = rng.uniform(0.7, 1.0)
        return _colourise(gray, rng, (140, 130, 120), hard)
    if cls == 'marsh':  # vertical grass blades
        gray = np.zeros((size, size), np.float32)
        for _ in range(rng.integers(14, 24)):
            cx = rng.random()
            top = rng.uniform(0, 0.6)
            lean = rng.uniform(-0.1, 0.1)
            gray[(np.abs(x - cx - lean * (1 - y)) < 0.015) & (y > top)] = 1.0
        return _colourise(gray, rng, (90, 120, 60), hard)
    if cls == 'water':  # smooth swell
        gray = _smooth_noise(rng, size, int(rng.integers(3, 6)))
        return _colourise(gray, rng, (50, 100, 140), hard)
    raise ValueError(f'unknown texture class {cls!r}')


def beach_scene(rng, size=128, max_people=4):
    """A beach frame (water above a wavy shoreline, sand below) with people on it.

    Returns the RGB image and a list of ``[x0, y0, x1, y1]`` person boxes.
    """
    y, x = _grid(size)
    shore = 0.35 + 0.05 * np.sin(2 * np.pi * (x * rng.uniform(0.5, 1.5) + rng.random()))
    water = _colourise(_smooth_noise(rng, size, 6), rng, (60, 110, 150))
    sand = _colourise(_smooth_noise(rng, size, 12), rng, (200, 180, 135))
    img = np.where((y < shore)[..., None], water, sand).astype(np.float32)
    boxes = []
    for _ in range(rng.integers(0, max_people + 1)):
        h = rng.uniform(14, 36)
        w = h * rng.uniform(0.35, 0.5)
        cx = rng.uniform(w, size - w)
        cy = rng.uniform(size * 0.45, size - h / 2 - 1)
        x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        if any(_iou((x0, y0, x1, y1), b) > 0.1 for b in boxes):
            continue
        colour = rng.uniform(10, 90, 3)
        body = (((x * size - cx) / (w / 2))**2 + ((y * size - (cy + h * 0.12)) / (h * 0.38))**2) < 1
        head = ((x * size - cx)**2 + (y * size - (y0 + h * 0.13))**2) < (h * 0.13)**2
        img[body | head] = colour
        boxes.append([round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)])
    return img.clip(0, 255).astype(np.uint8), boxes


def shoreline_scene(rng, size=64):
    """Water/sand image and its mask (0 water, 1 sand) split by a smooth curved shoreline."""
    y, x = _grid(size)
    angle = rng.uniform(-0.6, 0.6)
    offset = rng.uniform(0.3, 0.7)
    wiggle = 0.06 * np.sin(2 * np.pi * (x * rng.uniform(0.8, 2.0) + rng.random()))
    sand_mask = (y - offset - np.tan(angle) * (x - 0.5) - wiggle) > 0
    # Close colours, so that single pixels are ambiguous and texture and shape matter;
    # a band of bright foam on the water side of the shoreline, as in surf-zone imagery.
    water = _colourise(_smooth_noise(rng, size, 5), rng, (95, 120, 135)).astype(np.float32)
    sand = _colourise(_smooth_noise(rng, size, 16), rng, (150, 140, 115))
    distance = (offset + np.tan(angle) * (x - 0.5) + wiggle) - y  # > 0 on the water side
    foam = np.clip(1 - distance / rng.uniform(0.04, 0.12), 0, 1) * rng.uniform(0.4, 0.9)
    water = water * (1 - foam[..., None]) + 235 * foam[..., None]
    img = np.where(sand_mask[..., None], sand, water.clip(0, 255).astype(np.uint8))
    return img, sand_mask.astype(np.uint8)


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# --- writers --------------------------------------------------------------------------


def _save(array, path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def _write_imrecog(out, rng, size=64):
    for split, n in _SPLITS['imrecog'].items():
        for cls in TEXTURE_CLASSES:
            for i in range(n):
                _save(texture(rng, cls, size), osp.join(out, split, cls, f'{cls}_{i:04d}.png'))


def _write_objrecog(out, rng, size=128):
    for split, n in _SPLITS['objrecog'].items():
        images, annotations = [], []
        for i in range(n):
            img, boxes = beach_scene(rng, size)
            name = f'{split}_{i:04d}.png'
            _save(img, osp.join(out, 'images', split, name))
            images.append(dict(id=i, file_name=name, height=img.shape[0], width=img.shape[1]))
            for x0, y0, x1, y1 in boxes:
                w, h = round(x1 - x0, 1), round(y1 - y0, 1)
                annotations.append(
                    dict(
                        id=len(annotations),
                        image_id=i,
                        category_id=1,
                        bbox=[x0, y0, w, h],
                        area=round(w * h, 2),
                        iscrowd=0))
        coco = dict(images=images, annotations=annotations, categories=[dict(id=1, name='person')])
        os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
        with open(osp.join(out, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)


def _write_imseg(out, rng, size=64):
    for split, n in _SPLITS['imseg'].items():
        for i in range(n):
            img, mask = shoreline_scene(rng, size)
            _save(img, osp.join(out, 'images', split, f'{split}_{i:04d}.png'))
            _save(mask, osp.join(out, 'masks', split, f'{split}_{i:04d}.png'))


def _write_ssimrecog(out, rng, size=64):
    for split, n in _SPLITS['ssimrecog'].items():
        for cls in TEXTURE_CLASSES:
            for i in range(n):
                _save(
                    texture(rng, cls, size, hard=True),
                    osp.join(out, split, cls, f'{cls}_{i:04d}.png'))


GEO_CRS, GEO_ORIGIN, GEO_PIXEL = 'EPSG:32617', (404000.0, 3285000.0), 0.5
GEO_SCALE = 40  # 16-bit values: 8-bit colours x 40 (0-10200)


def geo_scene(rng, size=1024, people=80):
    """A 4-band uint16 orthomosaic (4 x size x size: R, G, B, NIR), its sand mask, person
    boxes ``[x0, y0, x1, y1]`` and its nodata mask (a corner the flight did not cover)."""
    rgb, sand = shoreline_scene(rng, size)
    img = rgb.astype(np.float32) + rng.normal(0, 4, rgb.shape).astype(np.float32)
    nir = np.where(sand > 0, 160, 25).astype(np.float32) + rng.normal(0, 4, sand.shape)
    y, x = _grid(size)
    nodata = (x + y) < 0.22  # the top-left corner
    boxes = []
    while len(boxes) < people:
        h = rng.uniform(14, 30)
        w = h * rng.uniform(0.35, 0.5)
        cx, cy = rng.uniform(w, size - w), rng.uniform(h, size - h)
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        corners = [(int(box[1]), int(box[0])), (int(box[3]), int(box[2]))]
        if not all(sand[r, c] and not nodata[r, c] for r, c in corners):
            continue
        if any(_iou(box, b) > 0 for b in boxes):
            continue
        body = (((x * size - cx) / (w / 2))**2 + ((y * size - cy) / (h / 2))**2) < 1
        img[body] = rng.uniform(10, 90, 3)
        nir[body] = 60
        boxes.append([round(v, 1) for v in box])
    bands = np.concatenate([img.transpose(2, 0, 1), nir[None]]).clip(1, 255) * GEO_SCALE
    bands[:, nodata] = 0
    return bands.astype(np.uint16), sand, boxes, nodata


def _write_geo(out, rng, size=1024):
    import geopandas
    import rasterio
    from rasterio.features import shapes
    from rasterio.transform import from_origin
    from shapely.geometry import box, shape
    bands, sand, boxes, _ = geo_scene(rng, size)
    transform = from_origin(*GEO_ORIGIN, GEO_PIXEL, GEO_PIXEL)
    os.makedirs(out, exist_ok=True)
    with rasterio.open(
            osp.join(out, 'mosaic.tif'),
            'w',
            driver='GTiff',
            width=size,
            height=size,
            count=4,
            dtype='uint16',
            nodata=0,
            crs=GEO_CRS,
            transform=transform,
            tiled=True,
            compress='deflate') as f:
        f.write(bands)
        for i, name in enumerate(('red', 'green', 'blue', 'nir'), 1):
            f.set_band_description(i, name)
    polygons = [shape(g) for g, v in shapes(sand, mask=sand > 0, transform=transform) if v]
    geopandas.GeoDataFrame(
        dict(**{'class': ['sand'] * len(polygons)}), geometry=polygons,
        crs=GEO_CRS).to_crs('EPSG:4326').to_file(osp.join(out, 'shoreline.gpkg'))
    people = [box(*(transform @ (x0, y1)), *(transform @ (x1, y0))) for x0, y0, x1, y1 in boxes]
    geopandas.GeoDataFrame(
        dict(**{'class': ['person'] * len(people)}), geometry=people,
        crs=GEO_CRS).to_file(osp.join(out, 'people.gpkg'))


_WRITERS = dict(
    imrecog=_write_imrecog,
    objrecog=_write_objrecog,
    imseg=_write_imseg,
    ssimrecog=_write_ssimrecog,
    geo=_write_geo)

# --- entry points ---------------------------------------------------------------------


def _marker(root, family):
    return osp.join(root, family, '.complete')


def _is_complete(root, family, seed, size):
    try:
        with open(_marker(root, family)) as f:
            return json.load(f) == dict(version=VERSION, seed=seed, size=size)
    except (OSError, ValueError):
        return False


def generate(root=DEMO_ROOT, families=FAMILIES, seed=0, force=False, size=None):
    """Write the demo data of ``families`` under ``root``; skip complete ones unless ``force``.

    ``size``: image side in pixels instead of each family's default (benchmarks).
    """
    for family in families:
        if family not in _WRITERS:
            raise ValueError(f'unknown family {family!r}; choose from {tuple(_WRITERS)}')
        os.makedirs(root, exist_ok=True)
        # A lock per family: processes started together (DDP ranks) write it once.
        with open(osp.join(root, f'.{family}.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not force and _is_complete(root, family, seed, size):
                continue
            out = osp.join(root, family)
            shutil.rmtree(out, ignore_errors=True)
            rng = np.random.default_rng([seed, list(_WRITERS).index(family)])
            _WRITERS[family](out, rng, **({'size': size} if size else {}))
            with open(_marker(root, family), 'w') as f:
                json.dump(dict(version=VERSION, seed=seed, size=size), f)
            print(f'demo data: wrote {out}')


def ensure_for_config(cfg):
    """Generate the demo data a config asks for with ``demo_data = dict(family=...)``."""
    spec = cfg.get('demo_data')
    if spec:
        generate(spec.get('root', DEMO_ROOT), [spec['family']], seed=spec.get('seed', 0))
