"""Packaging for mlmondays-zoo's plugin package ``custom_modules``.

The OpenMMLab stack itself (and mmcv's C++ ops) is installed by ``tools/install.sh``;
``pip install -e .`` only adds this package and its declared runtime needs.
"""
import re
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


setup(
    name='mlmondays-zoo',
    version=read_version(),
    description='The ML-Mondays coastal-imagery model families as an OpenMMLab model zoo',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='MIT',
    python_requires='>=3.10',
    packages=find_packages(include=['custom_modules', 'custom_modules.*']),
    install_requires=read_requirements('runtime.txt') + read_requirements('mminstall.txt'),
    extras_require={'tests': read_requirements('tests.txt')},
)
