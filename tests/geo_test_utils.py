"""Small rasters and vector files the geospatial tests make with rasterio and geopandas."""
import numpy as np

from zoo_test_utils import SquareDetector

# A UTM zone 17N place (metres) and 0.5 m pixels: map x = 500000 + 0.5 col, y = 3300000 - 0.5 row
CRS = 'EPSG:32617'
ORIGIN = (500000.0, 3300000.0)
PIXEL = 0.5


def geotransform(origin=ORIGIN, pixel=PIXEL):
    from rasterio.transform import from_origin
    return from_origin(origin[0], origin[1], pixel, pixel)


def write_raster(path, bands, crs=CRS, transform=None, nodata=None, **profile):
    """``bands`` (C x H x W, any dtype) as a GeoTIFF; ``crs=None`` writes no georeferencing."""
    import rasterio
    bands = np.asarray(bands)
    options = dict(
        driver='GTiff',
        width=bands.shape[2],
        height=bands.shape[1],
        count=bands.shape[0],
        dtype=bands.dtype,
        nodata=nodata,
        **profile)
    if crs is not None:
        options.update(crs=crs, transform=transform or geotransform())
    with rasterio.open(path, 'w', **options) as f:
        f.write(bands)
    return path


def pixel_to_map(col, row, origin=ORIGIN, pixel=PIXEL):
    return origin[0] + pixel * col, origin[1] - pixel * row


def squares_scene(height=300,
                  width=400,
                  squares=((10, 10), (90, 40), (120, 120), (185, 60), (250, 200), (300, 110),
                           (360, 260)),
                  side=20):
    """3 x H x W uint8: bright squares of ``side`` px at ``squares`` (x, y) on a dark ground."""
    img = np.full((3, height, width), 20, np.uint8)
    for x, y in squares:
        img[:, y:y + side, x:x + side] = 230
    return img, [(x, y, x + side, y + side) for x, y in squares]


def write_boxes(path, boxes, classes=None, crs=CRS, field='species', to_crs=None, **kwargs):
    """Pixel boxes of the scene as map polygons in a vector file (GeoPackage by its name)."""
    import geopandas
    from shapely.geometry import box
    polys = [box(*pixel_to_map(x0, y1), *pixel_to_map(x1, y0)) for x0, y0, x1, y1 in boxes]
    columns = {field: classes} if classes is not None else {}
    frame = geopandas.GeoDataFrame(columns, geometry=polys, crs=crs)
    if to_crs:
        frame = frame.to_crs(to_crs)
    frame.to_file(path, **kwargs)
    return path


class Brightness:
    """A stand-in segmentation network: class 1 where the first input channel is bright
    (its logits a smooth function of each pixel alone, so windows agree exactly)."""

    def __call__(self, x):
        logit = (x[:, :1] - 0.0) * 4
        return [np.concatenate([-logit, logit], axis=1)]


def seg_spec(channels=3):
    return dict(
        task='segmentation',
        classes=['ground', 'square'],
        input=dict(size=None, mean=[128.0] * channels, std=[50.0] * channels, to_rgb=True),
        postprocess=dict(threshold=0.5))


def det_predictor():
    from custom_modules.deploy import Predictor
    spec = dict(
        task='detection',
        classes=['square'],
        input=dict(size=None, mean=[0.0] * 3, std=[1.0] * 3),
        postprocess=dict(iou_threshold=0.5, draw_thr=0.5))
    predictor = Predictor(spec, network=None)
    predictor.predict_whole = SquareDetector()
    return predictor
