"""Results in map coordinates, as a GIS opens them: class rasters with the source's CRS,
transform and nodata (tiled, compressed GeoTIFF, written strip by strip), and boxes or
window predictions as GeoPackage layers (and RFC 7946 GeoJSON, in WGS 84)."""
import numpy as np

NODATA_CLASS = 255  # class rasters: pixels the source has no data for


class ClassRasterWriter:
    """A GeoTIFF of class indices (uint8) the size and place of ``source``; optionally a
    second one of per-class probabilities (float32, one band a class). Rows are written as
    they are finished, so memory stays a strip, not the raster."""

    def __init__(self,
                 path,
                 source,
                 classes,
                 probabilities_path=None,
                 boundary_path=None,
                 uncertainty_path=None):
        import rasterio
        profile = dict(
            driver='GTiff',
            width=source.width,
            height=source.height,
            crs=source.crs,
            transform=source.transform,
            tiled=True,
            blockxsize=256,
            blockysize=256,
            compress='deflate',
            BIGTIFF='IF_SAFER')
        self.classes = classes
        self.masks = rasterio.open(
            path, 'w', count=1, dtype='uint8', nodata=NODATA_CLASS, **profile)
        self.masks.update_tags(1, classes=','.join(classes))
        self.probs = None
        if probabilities_path:
            self.probs = rasterio.open(
                probabilities_path,
                'w',
                count=len(classes),
                dtype='float32',
                nodata=-1.0,
                **profile)
            for i, name in enumerate(classes, 1):
                self.probs.set_band_description(i, name)
        self.boundary = None  # a float32 band whose 0 contour is a boundary (boundary_lines)
        if boundary_path:
            self.boundary = rasterio.open(
                boundary_path, 'w', count=1, dtype='float32', nodata=np.nan, **profile)
        self.uncertainty = None  # a float32 band of 0 (sure) to 1 (no idea), -1 on nodata
        if uncertainty_path:
            self.uncertainty = rasterio.open(
                uncertainty_path, 'w', count=1, dtype='float32', nodata=-1.0, **profile)
            self.uncertainty.set_band_description(1, 'normalised entropy')

    def write(self, y0, mask, valid, probs=None, boundary=None, uncertainty=None):
        """Rows ``y0 .. y0 + len(mask)`` of the class raster (``valid``: False on nodata)."""
        from rasterio.windows import Window
        window = Window(0, y0, mask.shape[1], mask.shape[0])
        self.masks.write(np.where(valid, mask, NODATA_CLASS).astype(np.uint8)[None], window=window)
        if self.probs is not None and probs is not None:
            self.probs.write(np.where(valid[None], probs, -1.0).astype(np.float32), window=window)
        if self.boundary is not None:  # rows without data too: NaN, never a line
            level = np.nan if boundary is None else boundary
            self.boundary.write(
                np.where(valid, level, np.nan).astype(np.float32)[None], window=window)
        if self.uncertainty is not None:
            level = -1.0 if uncertainty is None else uncertainty
            self.uncertainty.write(
                np.where(valid, level, -1.0).astype(np.float32)[None], window=window)

    def close(self):
        self.masks.close()
        for extra in (self.probs, self.boundary, self.uncertainty):
            if extra is not None:
                extra.close()


def join_rows(path, source, parts, chunk=256):
    """Write ``path``, a raster the size and place of ``source``, from the row blocks
    ``parts`` (``(part path, first row)``, written by one :class:`ClassRasterWriter` each,
    together every row), ``chunk`` rows at a time; the parts are removed."""
    import os

    import rasterio
    from rasterio.windows import Window
    with rasterio.open(parts[0][0]) as first:
        profile = first.profile
        tags = [first.tags(b) for b in range(1, first.count + 1)]
        names = first.descriptions
    profile.update(height=source.height, transform=source.transform)
    with rasterio.open(path, 'w', **profile) as out:
        for band, (band_tags, name) in enumerate(zip(tags, names), 1):
            out.update_tags(band, **band_tags)
            if name:
                out.set_band_description(band, name)
        for part, y0 in parts:
            with rasterio.open(part) as strip:
                for top in range(0, strip.height, chunk):
                    rows = min(chunk, strip.height - top)
                    data = strip.read(window=Window(0, top, strip.width, rows))
                    out.write(data, window=Window(0, y0 + top, strip.width, rows))
    for part, _ in parts:
        os.remove(part)


def pixel_boxes_to_map(boxes, transform):
    """``N x 4`` pixel boxes (x0, y0, x1, y1) -> shapely polygons in map coordinates (the
    four corners through the affine transform, so rotated rasters come out right)."""
    from shapely import polygons
    corners = np.stack([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [2, 3]], boxes[:, [0, 3]]],
                       axis=1).astype(np.float64)  # N x 4 x 2
    a, b, c, d, e, f = transform[:6]
    xs = a * corners[..., 0] + b * corners[..., 1] + c
    ys = d * corners[..., 0] + e * corners[..., 1] + f
    return polygons(np.stack([xs, ys], axis=-1))


def write_layer(records, geometries, crs, gpkg_path, layer, geojson_path=None):
    """``records`` (a dict of columns) with ``geometries`` as a GeoPackage layer in ``crs``,
    and (when asked and the CRS is known) as GeoJSON in WGS 84 as RFC 7946 requires."""
    import geopandas
    frame = geopandas.GeoDataFrame(records, geometry=list(geometries), crs=crs)
    frame.to_file(gpkg_path, layer=layer, driver='GPKG')
    if geojson_path and crs is not None:
        frame.to_crs('EPSG:4326').to_file(geojson_path, driver='GeoJSON')
    return frame


POLYGON_ROWS = 2048  # rows of the class raster vectorised at a time


def class_polygons(classes_tif, classes, gpkg_path, min_area=0.0, rows=None):
    """The class raster ``classes_tif`` (uint8 indices, :data:`NODATA_CLASS` on nodata) as
    one polygon layer ``classes`` in ``gpkg_path``: a polygon a patch of one class (holes
    kept), simplified within half a pixel, with ``class`` and ``area_m2``; patches under
    ``min_area`` m² left out. Read ``rows`` rows at a time (:data:`POLYGON_ROWS`); patches
    cut by those seams are joined again. Returns the number of polygons written."""
    rows = rows or POLYGON_ROWS
    import geopandas
    import rasterio
    from rasterio.features import shapes
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform
    from shapely.geometry import shape
    geoms, labels = [], []
    with rasterio.open(classes_tif) as src:
        crs, transform = src.crs, src.transform
        for top in range(0, src.height, rows):
            window = Window(0, top, src.width, min(rows, src.height - top))
            block = src.read(1, window=window)
            found = shapes(
                block,
                mask=block != NODATA_CLASS,
                connectivity=4,
                transform=window_transform(window, transform))
            for geometry, value in found:
                geoms.append(shape(geometry))
                labels.append(int(value))
    frame = geopandas.GeoDataFrame(dict(label=labels), geometry=geoms, crs=crs)
    if len(frame) and src.height > rows:  # join the patches the row seams cut
        frame = frame.dissolve(by='label', as_index=False).explode(index_parts=False)
    pixel = min(abs(transform.a), abs(transform.e))
    frame['geometry'] = frame.geometry.simplify(pixel / 2, preserve_topology=True)
    frame['area_m2'] = _metres(frame).geometry.area.round(2).to_numpy()
    frame = frame[frame['area_m2'] >= min_area]
    frame.insert(0, 'class', [classes[i] if i < len(classes) else str(i) for i in frame['label']])
    frame = frame.drop(columns='label').reset_index(drop=True)
    frame.to_file(gpkg_path, layer='classes', driver='GPKG')
    return len(frame)


def _metres(frame):
    """``frame`` in a CRS of metres (a geographic one: its UTM zone) to measure it."""
    if frame.crs is not None and frame.crs.is_geographic and len(frame):
        return frame.to_crs(frame.estimate_utm_crs())
    return frame


def boundary_lines(level_tif, gpkg_path, rows=None, layer='shoreline'):
    """The 0 contour of the float32 raster ``level_tif`` (NaN: no line there) as
    LineStrings in map coordinates, with ``length_m``, a layer of ``gpkg_path``: marching
    squares at sub-pixel precision (contourpy), as CoastSat extracts shorelines. Read
    ``rows`` rows at a time (:data:`POLYGON_ROWS`), each block sharing a row with the next,
    and the pieces joined. Returns the number of lines."""
    rows = rows or POLYGON_ROWS
    import contourpy
    import geopandas
    import rasterio
    from rasterio.windows import Window
    from shapely.geometry import LineString, MultiLineString
    from shapely.ops import linemerge
    pieces = []
    with rasterio.open(level_tif) as src:
        crs, t = src.crs, src.transform
        for top in range(0, max(src.height - 1, 1), rows):
            bottom = min(top + rows + 1, src.height)
            z = src.read(1, window=Window(0, top, src.width, bottom - top))
            if min(z.shape) < 2 or np.isnan(z).all():
                continue
            found = contourpy.contour_generator(
                z=np.ma.masked_invalid(z), line_type='Separate').lines(0.0)
            for xy in found:
                if len(xy) < 2:
                    continue
                cols, rws = xy[:, 0] + 0.5, xy[:, 1] + top + 0.5  # pixel centres
                pieces.append(
                    LineString(
                        np.column_stack(
                            [t.c + t.a * cols + t.b * rws, t.f + t.d * cols + t.e * rws])))
    merged = linemerge(MultiLineString(pieces)) if pieces else None
    lines = [] if merged is None else list(getattr(merged, 'geoms', [merged]))
    frame = geopandas.GeoDataFrame(geometry=lines, crs=crs)
    frame['length_m'] = _metres(frame).geometry.length.round(2).to_numpy()
    frame.to_file(gpkg_path, layer=layer, driver='GPKG')
    return len(frame)


def uncertain_windows(uncertainty_tif, side, count, gpkg_path, min_valid=0.5):
    """The ``count`` windows of ``side`` pixels (the prediction grid, side by side: none
    overlapping) with the highest mean uncertainty (``-1``: nodata, left out; windows with
    less than ``min_valid`` data skipped), as a polygon layer ``to_label`` of
    ``gpkg_path`` with ``rank`` and ``mean_uncertainty``: where to label next. Returns how
    many were written."""
    import rasterio
    from rasterio.windows import Window
    found = []
    with rasterio.open(uncertainty_tif) as src:
        crs, t = src.crs, src.transform
        for y0 in range(0, src.height, side):
            block = src.read(1, window=Window(0, y0, src.width, min(side, src.height - y0)))
            for x0 in range(0, src.width, side):
                values = block[:, x0:x0 + side]
                data = values >= 0
                if data.mean() >= min_valid:
                    found.append((float(values[data].mean()), x0, y0, x0 + values.shape[1],
                                  y0 + values.shape[0]))
    found.sort(key=lambda f: -f[0])
    best = found[:count]
    write_layer(
        dict(rank=list(range(1,
                             len(best) + 1)), mean_uncertainty=[round(f[0], 4) for f in best]),
        pixel_boxes_to_map(np.float64([f[1:] for f in best]).reshape(-1, 4), t), crs, gpkg_path,
        'to_label')
    return len(best)
