"""Packaging for mlmondays-zoo's plugin package ``custom_modules``.

The OpenMMLab stack itself (and mmcv's C++ ops) is installed by ``tools/install.sh``;
``pip install -e .`` only adds this package and its declared runtime needs.
"""
import os
import re
import shutil
import sys
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name):
    """Requirement lines of ``requirements/<name>``, comments stripped."""
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    reqs = [re.sub(r'\s*#.*', '', line).strip() for line in lines]
    return [r for r in reqs if r]


def read_version():
    text = (HERE / 'custom_modules' / 'version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


# What OpenMMLab packages carry in <package>/.mim for `mim search/download/train/test`.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def add_mim_extension():
    """Make ``custom_modules/.mim``, as OpenMMLab's setup.py files do: links to the
    repository's configs, tools and model-index.yml for an editable install, copies when a
    wheel or sdist is built (then they are package data)."""
    if any(cmd in sys.argv for cmd in ('bdist_wheel', 'sdist', 'install')):
        mode = 'copy'
    elif any(cmd in sys.argv for cmd in ('develop', 'editable_wheel')):
        mode = 'symlink'
    else:
        return
    mim = HERE / 'custom_modules' / '.mim'
    mim.mkdir(exist_ok=True)
    for name in MIM_FILES:
        source, target = HERE / name, mim / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        if mode == 'symlink':
            os.symlink(os.path.relpath(source, mim), target)
        elif source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(source, target)


add_mim_extension()
setup(
    name='mlmondays-zoo',
    version=read_version(),
    description='The ML-Mondays coastal-imagery model families as an OpenMMLab model zoo',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='MIT',
    python_requires='>=3.10',
    packages=find_packages(include=['custom_modules', 'custom_modules.*']),
    package_data={'custom_modules': ['.mim/**/*', '*/family.toml']},
    install_requires=read_requirements('runtime.txt') + read_requirements('mminstall.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
)
