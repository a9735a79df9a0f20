"""What an archive holds: ``SOURCES`` given on the command line become rasters, each a
:class:`Source` (where GDAL reads it, the stem its outputs are named by, its acquisition
date when known), and a signature that changes when the file does."""
import glob
import hashlib
import json
import os
import os.path as osp
import re
from collections import Counter
from dataclasses import dataclass

from ..errors import ZooError
from ..geo.raster import RASTER_EXTENSIONS

REMOTE_PREFIXES = ('http://', 'https://', 's3://', 'gs://')
_DATE = re.compile(r'(?<!\d)(19|20)(\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)')


@dataclass
class Source:
    """One raster of an archive: ``href`` (a path, or a GDAL path such as
    ``/vsicurl/https://...``), ``stem`` (its outputs are ``<stem>_classes.tif`` etc.,
    unique in the archive) and ``date`` (ISO ``YYYY-MM-DD`` or '')."""
    href: str
    stem: str = ''
    date: str = ''

    @property
    def name(self):
        return osp.basename(self.href.rstrip('/'))


def gdal_path(text):
    """A path or URL as GDAL reads it: URLs through ``/vsicurl/`` (or ``/vsis3/``,
    ``/vsigs/``), paths as they are."""
    if text.startswith(('http://', 'https://')):
        return '/vsicurl/' + text
    for scheme, vsi in (('s3://', '/vsis3/'), ('gs://', '/vsigs/')):
        if text.startswith(scheme):
            return vsi + text[len(scheme):]
    return text


def date_in(text):
    """The first date ``YYYY-MM-DD`` or ``YYYYMMDD`` in ``text`` (a file name), or ''."""
    found = _DATE.search(osp.basename(text))
    return '-'.join((found[1] + found[2], found[3], found[4])) if found else ''


def expand(sources, asset=None, out_dir=None):
    """``SOURCES`` -> the :class:`Source` of every raster, in order, each once: raster files,
    folders (their rasters, sub-folders too), globs, text files of paths or URLs (one a
    line; # comments), GDAL paths (``/vsicurl/...``, ``/vsis3/...``), URLs, and STAC Item or
    ItemCollection JSON files (the ``asset`` of each item). Files in ``out_dir`` (the
    archive's own outputs, when it lies inside a source folder) are not sources."""
    found = []
    for text in sources:
        found += _expand_one(text, asset)
    own = osp.join(osp.realpath(out_dir), '') if out_dir else None
    unique, seen = [], set()
    for source in found:
        if own and not source.href.startswith('/vsi') \
                and osp.realpath(source.href).startswith(own):
            continue
        if source.href not in seen:
            seen.add(source.href)
            unique.append(source)
    if not unique:
        raise ZooError(f'no rasters ({", ".join(RASTER_EXTENSIONS)}) in {" ".join(sources)}')
    return _named(unique)


def _expand_one(text, asset):
    if text.startswith('/vsi') or text.startswith(REMOTE_PREFIXES):
        return [Source(gdal_path(text))]
    if osp.isdir(text):
        return [
            Source(osp.join(root, n)) for root, _, names in sorted(os.walk(text))
            for n in sorted(names) if n.lower().endswith(RASTER_EXTENSIONS)
        ]
    if osp.isfile(text):
        lower = text.lower()
        if lower.endswith('.json'):
            return stac_sources(text, asset)
        if lower.endswith('.txt'):
            return _listed(text, asset)
        return [Source(text)]
    if glob.has_magic(text):
        matches = sorted(glob.glob(text, recursive=True))
        if not matches:
            raise ZooError(f'{text}: no file matches this pattern')
        return [s for m in matches for s in _expand_one(m, asset)]
    raise ZooError(f'{text}: no such file, folder or pattern (a URL starts with http:// or '
                   'https://, a GDAL path with /vsi)')


def _listed(path, asset):
    """The sources a text file lists, one a line; relative paths are relative to it."""
    with open(path) as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    here = osp.dirname(osp.abspath(path))
    found = []
    for line in filter(None, lines):
        remote = line.startswith('/vsi') or line.startswith(REMOTE_PREFIXES)
        if not remote and not osp.isabs(line):
            line = osp.join(here, line)
        found += _expand_one(line, asset)
    return found


def stac_sources(path, asset):
    """The ``asset`` of each item of a STAC Item or ItemCollection JSON file (``pystac``),
    dated by the item's datetime (or start_datetime)."""
    try:
        import pystac
    except ImportError:
        raise ZooError(f'{path}: reading STAC needs pystac (pip install -r '
                       'requirements/runtime.txt)') from None
    try:
        with open(path) as f:
            kind = json.load(f).get('type')
    except (ValueError, AttributeError) as err:
        raise ZooError(f'{path}: not a JSON object ({err})') from None
    if kind == 'Feature':
        items = [pystac.Item.from_file(path)]
    elif kind == 'FeatureCollection':
        items = list(pystac.ItemCollection.from_file(path))
    else:
        raise ZooError(f'{path}: a STAC Item (type Feature) or ItemCollection (type '
                       f'FeatureCollection) was expected, not type {kind!r}')
    found = []
    for item in items:
        if asset not in item.assets:
            raise ZooError(f'{path}: item {item.id} has no asset {asset!r}; give --asset, one '
                           f'of {sorted(item.assets)}')
        href = item.assets[asset].get_absolute_href() or item.assets[asset].href
        when = item.datetime or item.common_metadata.start_datetime
        found.append(Source(gdal_path(href), date=when.date().isoformat() if when else ''))
    return found


def _named(sources):
    """Give each source a unique output stem (its file name's, with a short hash of its
    path where two share a name) and a date (from the file name, where STAC gave none)."""
    stems = [osp.splitext(s.name)[0] for s in sources]
    shared = Counter(stems)
    for source, stem in zip(sources, stems):
        if shared[stem] > 1:
            stem += '-' + hashlib.sha1(source.href.encode()).hexdigest()[:8]
        source.stem = stem
        source.date = source.date or date_in(source.href)
    return sources


def signature(href):
    """What changes when a raster does: size and modification time of a file; the ETag or
    Last-Modified and length of a URL (HEAD request); '' where neither can be had (a
    ``/vsis3/`` path without credentials here: then it is predicted once)."""
    if osp.isfile(href):
        stat = os.stat(href)
        return f'{stat.st_size}:{stat.st_mtime_ns}'
    if href.startswith('/vsicurl/'):
        import urllib.request
        request = urllib.request.Request(href[len('/vsicurl/'):], method='HEAD')
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                head = response.headers
                return ':'.join(
                    head.get(k, '') for k in ('ETag', 'Last-Modified', 'Content-Length'))
        except OSError:
            return ''
    return ''
