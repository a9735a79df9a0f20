"""Checkpoints given by URL, and published checkpoints: fetched once into the torch hub
cache, checked against the hash in their file name.

OpenMMLab publishes a checkpoint as ``NAME-<first 8 hex of its sha256>.pth`` (our
``tools/model_converters/publish_model.py`` does the same). Every tool that takes a
checkpoint (``tools/test.py``, ``tools/infer.py``, the exporter, ``load_from`` when
training) passes it through :func:`resolve_checkpoint`:

- an ``http(s)://`` or ``file://`` URL is downloaded once into
  ``<torch hub dir>/checkpoints/`` (``TORCH_HOME``, as torchvision and mmengine cache
  weights), and refused when its sha256 does not start with the hash in its name; a file
  already in the cache (put there by hand on a machine offline, say) is checked the same
  way on first use, and the check remembered beside it until the file changes;
- offline and not in the cache: one line saying which file to put where;
- a local file whose name carries a hash is checked too when it is a checkpoint we
  published (``mim download`` fetches weights without checking them).

:func:`register_url_loader` makes mmengine load every URL checkpoint this way
(``init_cfg`` pretrained weights included); importing ``custom_modules.checkpoints`` calls it.
"""
import hashlib
import os
import os.path as osp
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request

from ..errors import ZooError

URL_SCHEMES = ('http://', 'https://', 'file://')
HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})\.pth$')


def is_url(name):
    return isinstance(name, str) and name.startswith(URL_SCHEMES)


def hash_in_name(name):
    """The sha256 prefix in a published file's name (``x-1a2b3c4d.pth``), or None."""
    found = HASH_IN_NAME.search(osp.basename(urllib.parse.urlparse(name).path))
    return found.group(1) if found else None


def file_url_path(url):
    """The local path a ``file://`` URL names (percent-escapes decoded)."""
    return urllib.request.url2pathname(urllib.parse.urlparse(url).path)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def cache_path(url):
    """Where a URL's checkpoint lives in the torch hub cache."""
    import torch
    name = osp.basename(urllib.parse.urlparse(url).path)
    return osp.join(torch.hub.get_dir(), 'checkpoints', name)


def _hash_error(source, digest, expected, remedy):
    return ZooError(f'{source}: its sha256 starts with {digest[:len(expected)]}, not with '
                    f'{expected} as its name says: the file is damaged or not the one '
                    f'published; {remedy}')


def _checked_marker(path):
    """Beside a cached checkpoint: its size, modification time and sha256 once checked."""
    return f'{path}.sha256-checked'


def _stamp(path):
    info = os.stat(path)
    return f'{info.st_size} {info.st_mtime_ns}'


def _remember_checked(path, digest):
    with open(_checked_marker(path), 'w') as f:
        f.write(f'{_stamp(path)} {digest}\n')


def _check_cached(path, expected):
    """A file already in the cache is checked against the hash in its name once (it may
    have been put there by hand, or damaged): a mismatch is one line naming the file. The
    check is remembered beside it until the file changes."""
    if not expected:
        return
    marker = _checked_marker(path)
    if osp.isfile(marker):
        with open(marker) as f:
            if f.read().rsplit(' ', 1)[0] == _stamp(path):
                return
    digest = sha256_of(path)
    if not digest.startswith(expected):
        raise _hash_error(path, digest, expected, 'delete it, and download the file again or '
                          'put the right one there')
    _remember_checked(path, digest)


def fetch(url):
    """The local path of the checkpoint at ``url``: the torch hub cache's copy, downloaded
    the first time. Its sha256 is checked against the hash in its name once, whether it
    was downloaded or put in the cache by hand."""
    dest = cache_path(url)
    expected = hash_in_name(url)
    if osp.isfile(dest):
        _check_cached(dest, expected)
        return dest
    os.makedirs(osp.dirname(dest), exist_ok=True)
    partial = f'{dest}.part-{os.getpid()}'
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, 'wb') as f:
            shutil.copyfileobj(response, f, 1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as err:
        if osp.exists(partial):
            os.remove(partial)
        reason = getattr(err, 'reason', None) or getattr(err, 'strerror', None) or err
        raise ZooError(f'cannot download {url} ({reason}); on a machine without network '
                       f'access, put the file at {dest}') from None
    digest = sha256_of(partial)
    if expected and not digest.startswith(expected):
        os.remove(partial)
        raise _hash_error(url, digest, expected, 'nothing was kept')
    os.replace(partial, dest)
    if expected:
        _remember_checked(dest, digest)
    return dest


def _is_published(path):
    import torch
    try:
        checkpoint = torch.load(path, map_location='cpu', mmap=True, weights_only=True)
    except Exception:  # not ours to judge here: the loader reports unreadable files
        return False
    return isinstance(checkpoint, dict) and 'model_card' in (checkpoint.get('meta') or {})


def resolve_checkpoint(name):
    """A checkpoint path or URL as a local file path (see the module's docstring), or a
    one-line error."""
    if is_url(name):
        return fetch(name)
    if not osp.isfile(name):
        raise ZooError(f'checkpoint not found: {name}')
    expected = hash_in_name(name)
    if expected:
        digest = sha256_of(name)
        if not digest.startswith(expected) and _is_published(name):
            raise _hash_error(name, digest, expected, 'download it again')
    return name


def load_from_url(filename, map_location=None):
    """mmengine's checkpoint loader for URLs (``init_cfg=dict(type='Pretrained',
    checkpoint=URL)``, ``load_from=URL``): :func:`fetch` (hub cache, hash check, one line
    when offline), then a ``weights_only`` load. Replaces mmengine's own HTTP loader, whose
    download error offline is a traceback and which knows no ``file://``."""
    import torch
    return torch.load(fetch(filename), map_location=map_location, weights_only=True)


def register_url_loader():
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes=URL_SCHEMES, loader=load_from_url, force=True)
