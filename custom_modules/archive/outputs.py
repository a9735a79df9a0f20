"""The files about a whole archive, from the manifest's finished rasters:

- ``archive.gpkg``: every raster's detections, class polygons or classified windows in one
  layer, with the raster's name and acquisition date, in the CRS most rasters have (the
  others reprojected to it);
- ``classes.vrt`` (segmentation): a GDAL mosaic of the class rasters, newest on top, at the
  finest pixel size (one ``classes_<EPSG>.vrt`` more for each other CRS);
- ``counts.csv`` (raster, date, class, count, area_m2) and ``counts_by_date.csv``: objects,
  windows or pixels of each class, and their area in m² for class rasters.

Each is written under a temporary name and renamed, as the rasters' files are.
"""
import csv
import json
import os
import os.path as osp
from collections import Counter, defaultdict
from xml.sax.saxutils import escape

LAYERS = (('_detections.gpkg', 'detections'), ('_classes.gpkg', 'classes'), ('_windows.gpkg',
                                                                             'windows'))


def write_archive_outputs(out_dir, rows):
    """Write the archive's files from the manifest ``rows`` (dicts) of finished rasters;
    returns the names written."""
    done = sorted((r for r in rows if r['state'] == 'done'),
                  key=lambda r: (r['date'] or '', r['stem']))
    written = _counts(out_dir, done)
    written += _vector_layer(out_dir, done)
    written += _mosaics(out_dir, done)
    return written


def _outputs(row):
    return json.loads(row['outputs'] or '[]')


def _replace(tmp, path):
    os.replace(tmp, path)
    return osp.basename(path)


def _counts(out_dir, done):
    per_raster, by_date = [], defaultdict(lambda: [0, None])
    for row in done:
        counts = json.loads(row['counts'] or '{}')
        pixels = any(o.endswith('_classes.tif') for o in _outputs(row))
        for name, count in counts.items():
            area = count * row['pixel_area_m2'] if pixels and row['pixel_area_m2'] else None
            name_of = osp.basename(row['href'])
            per_raster.append(
                [name_of, row['date'] or '', name, count, '' if area is None else round(area, 2)])
            total = by_date[(row['date'] or '', name)]
            total[0] += count
            if area is not None:
                total[1] = (total[1] or 0.0) + area
    written = []
    dated = [[d, c, n, '' if a is None else round(a, 2)]
             for (d, c), (n, a) in sorted(by_date.items())]
    for name, header, table in (
        ('counts.csv', ['raster', 'date', 'class', 'count', 'area_m2'], per_raster),
        ('counts_by_date.csv', ['date', 'class', 'count', 'area_m2'], dated),
    ):
        path = osp.join(out_dir, name)
        with open(path + '.tmp', 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(table)
        written.append(_replace(path + '.tmp', path))
    return written


def _vector_layer(out_dir, done):
    """``archive.gpkg``: the rasters' layers appended one by one (memory holds one)."""
    import geopandas
    found = []
    for row in done:
        for suffix, layer in LAYERS:
            names = [o for o in _outputs(row) if o.endswith(suffix)]
            if names:
                found.append((row, osp.join(out_dir, names[0]), layer))
    if not found:
        return []
    crs_of = [geopandas.read_file(path, rows=0).crs for _, path, _ in found]
    common = Counter(c.to_string() for c in crs_of if c is not None).most_common(1)
    target = common[0][0] if common else None
    path, tmp = osp.join(out_dir, 'archive.gpkg'), osp.join(out_dir, 'archive.tmp.gpkg')
    if osp.exists(tmp):
        os.remove(tmp)
    wrote = False
    for (row, layer_path, layer), crs in zip(found, crs_of):
        frame = geopandas.read_file(layer_path)
        if target and crs is not None and crs.to_string() != target:
            frame = frame.to_crs(target)
        elif crs is None and target:
            continue  # pixel coordinates cannot share a layer in map coordinates
        frame['raster'] = osp.basename(row['href'])
        frame['date'] = row['date'] or ''
        if len(frame):
            frame.to_file(tmp, layer=layer, driver='GPKG', mode='a' if wrote else 'w')
            wrote = True
    if not wrote:
        return []
    return [_replace(tmp, path)]


def _mosaics(out_dir, done):
    """A VRT of the class rasters for each CRS among them (the most common one
    ``classes.vrt``)."""
    import rasterio
    groups = defaultdict(list)
    for row in done:
        names = [o for o in _outputs(row) if o.endswith('_classes.tif')]
        if not names:
            continue
        with rasterio.open(osp.join(out_dir, names[0])) as ds:
            if ds.crs is None or ds.transform.b or ds.transform.d:
                continue  # no place on a map, or a rotated grid: not in a mosaic
            groups[ds.crs.to_wkt()].append(
                (names[0], ds.width, ds.height, ds.transform, ds.crs.to_epsg()))
    written = []
    for i, (wkt, members) in enumerate(sorted(groups.items(), key=lambda g: -len(g[1]))):
        name = 'classes.vrt' if i == 0 else f'classes_{members[0][4] or i}.vrt'
        path = osp.join(out_dir, name)
        with open(path + '.tmp', 'w') as f:
            f.write(_vrt(wkt, members))
        written.append(_replace(path + '.tmp', path))
    return written


def _vrt(wkt, members):
    """The XML of a one-band VRT of ``members`` (name, width, height, transform, epsg),
    drawn in order (later on top), at the finest pixel size among them."""
    px = min(abs(t.a) for _, _, _, t, _ in members)
    py = min(abs(t.e) for _, _, _, t, _ in members)
    left = min(t.c for _, _, _, t, _ in members)
    right = max(t.c + w * t.a for _, w, _, t, _ in members)
    top = max(t.f for _, _, _, t, _ in members)
    bottom = min(t.f + h * t.e for _, _, h, t, _ in members)
    width, height = round((right - left) / px), round((top - bottom) / py)
    sources = []
    for name, w, h, t, _ in members:
        sources.append(
            '    <ComplexSource>\n'
            f'      <SourceFilename relativeToVRT="1">{escape(name)}</SourceFilename>\n'
            '      <SourceBand>1</SourceBand>\n'
            f'      <SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>\n'
            f'      <DstRect xOff="{(t.c - left) / px:.6f}" yOff="{(top - t.f) / py:.6f}" '
            f'xSize="{w * abs(t.a) / px:.6f}" ySize="{h * abs(t.e) / py:.6f}"/>\n'
            '      <NODATA>255</NODATA>\n'
            '    </ComplexSource>\n')
    return (f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">\n'
            f'  <SRS>{escape(wkt)}</SRS>\n'
            f'  <GeoTransform>{left!r}, {px!r}, 0, {top!r}, 0, {-py!r}</GeoTransform>\n'
            '  <VRTRasterBand dataType="Byte" band="1">\n'
            '    <NoDataValue>255</NoDataValue>\n' + ''.join(sources) + '  </VRTRasterBand>\n'
            '</VRTDataset>\n')
