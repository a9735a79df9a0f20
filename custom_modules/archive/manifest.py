"""``DIR/manifest.sqlite``: the state of every raster of an archive run, so that running
the same command again does only what is left.

One row a raster (its GDAL path): ``state`` (``running``, ``done`` or ``failed``), the
``signature`` of the file when it was predicted (``sources.signature``), the ``model``
(a hash of the model's files and the prediction options), its ``outputs`` (file names in
``DIR``), the one-line ``reason`` of a failure, its counts and pixel area, and when, how
long, on which worker and at what peak memory it ran. Only the client process writes it
(one SQLite connection), so workers never contend for it; a row turns ``done`` after every
output of the raster has been renamed into place.
"""
import json
import os.path as osp
import sqlite3
import time

COLUMNS = dict(
    href='TEXT PRIMARY KEY',
    stem='TEXT',
    date='TEXT',
    signature='TEXT',
    model='TEXT',
    state='TEXT',
    reason='TEXT',
    outputs='TEXT',
    counts='TEXT',
    pixel_area_m2='REAL',
    megapixels='REAL',
    seconds='REAL',
    peak_rss_mb='REAL',
    worker='TEXT',
    finished='TEXT')
NAME = 'manifest.sqlite'


class Manifest:
    """The manifest of the archive written to ``out_dir``."""

    def __init__(self, out_dir):
        self.path = osp.join(out_dir, NAME)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        columns = ', '.join(f'{k} {v}' for k, v in COLUMNS.items())
        self.db.execute(f'CREATE TABLE IF NOT EXISTS rasters ({columns})')
        self.db.commit()

    def close(self):
        self.db.close()

    def rows(self):
        """``{href: row as a dict}`` of every raster recorded."""
        return {r['href']: dict(r) for r in self.db.execute('SELECT * FROM rasters')}

    def plan(self, sources, signatures, model, out_dir, force=False):
        """``(to_do, skipped)``: ``to_do`` the ``(source, why)`` to predict (``why``: new,
        changed, failed before, interrupted, another model or options, outputs missing,
        --force), ``skipped`` the sources done already with every output in place."""
        recorded = self.rows()
        to_do, skipped = [], []
        for source, sig in zip(sources, signatures):
            row = recorded.get(source.href)
            why = _why(row, sig, model, out_dir) if not force else '--force'
            if why:
                to_do.append((source, why))
            else:
                skipped.append(source)
        return to_do, skipped

    def _upsert(self, href, **values):
        values['href'] = href
        keys = ', '.join(values)
        marks = ', '.join('?' * len(values))
        updates = ', '.join(f'{k}=excluded.{k}' for k in values if k != 'href')
        self.db.execute(
            f'INSERT INTO rasters ({keys}) VALUES ({marks}) ON CONFLICT(href) DO UPDATE '
            f'SET {updates}', list(values.values()))
        self.db.commit()

    def running(self, source, signature, model):
        self._upsert(
            source.href,
            stem=source.stem,
            date=source.date,
            signature=signature,
            model=model,
            state='running',
            reason=None,
            finished=None)

    def done(self, source, result):
        """``result``: what ``work.finish`` returned (outputs renamed into place)."""
        self._upsert(
            source.href,
            state='done',
            reason=None,
            outputs=json.dumps(result['outputs']),
            counts=json.dumps(result['counts']),
            pixel_area_m2=result.get('pixel_area_m2'),
            megapixels=result.get('megapixels'),
            seconds=result.get('seconds'),
            peak_rss_mb=result.get('peak_rss_mb'),
            worker=result.get('worker'),
            finished=_now())

    def failed(self, source, reason):
        self._upsert(source.href, state='failed', reason=reason, finished=_now())


def _why(row, signature, model, out_dir):
    """Why a recorded raster must be predicted again, or '' when it need not."""
    if row is None:
        return 'new'
    if row['state'] == 'failed':
        return 'failed before'
    if row['state'] != 'done':
        return 'interrupted'
    if row['signature'] != signature:
        return 'changed'
    if row['model'] != model:
        return 'another model or options'
    missing = [
        o for o in json.loads(row['outputs'] or '[]') if not osp.exists(osp.join(out_dir, o))
    ]
    return 'outputs missing' if missing else ''


def _now():
    return time.strftime('%Y-%m-%dT%H:%M:%S')
