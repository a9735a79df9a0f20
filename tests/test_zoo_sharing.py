"""Sharing a model: publish, add to the zoo, fetch (our loader and mim), test again."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch

from custom_modules.checkpoints.urls import cache_path, fetch, resolve_checkpoint
from custom_modules.errors import ZooError
from custom_modules.zoo import zoo_index
from zoo_test_utils import DEMO_CONFIGS, QUICK, REPO, copy_work_dir, run, run_tool

CONFIG = DEMO_CONFIGS['imrecog']
NAME = Path(CONFIG).stem


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def published_file(tmp_path, content=b'weights'):
    """A file named as a published checkpoint is (``x-<hash>.pth``)."""
    digest = hashlib.sha256(content).hexdigest()
    path = tmp_path / 'src' / f'model-{digest[:8]}.pth'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# --- fetching by URL -----------------------------------------------------------------------


def test_a_file_url_is_fetched_once_into_the_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    source = published_file(tmp_path)
    got = fetch(source.as_uri())
    assert Path(got) == tmp_path / 'torch' / 'hub' / 'checkpoints' / source.name
    assert Path(got).read_bytes() == b'weights'
    source.unlink()  # the second time comes from the cache
    assert fetch(source.as_uri()) == got


def test_a_url_whose_content_does_not_match_its_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    source = published_file(tmp_path)
    source.write_bytes(b'something else')
    with pytest.raises(ZooError, match='not with .* as its name says'):
        fetch(source.as_uri())
    assert not list((tmp_path / 'torch' / 'hub' / 'checkpoints').iterdir())


def test_offline_says_which_file_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    source = published_file(tmp_path)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    url = f'http://127.0.0.1:{port}/zoo/{source.name}'
    with pytest.raises(ZooError) as err:
        fetch(url)
    assert f'put the file at {cache_path(url)}' in str(err.value)
    shutil.copy(source, cache_path(url))
    assert fetch(url) == cache_path(url)


def test_a_damaged_published_checkpoint_is_refused_a_plain_file_is_not(tmp_path):
    ours = tmp_path / 'ours.pth'
    torch.save(dict(state_dict={}, meta=dict(model_card=dict(name='x'))), ours)
    damaged = tmp_path / 'ours-00000000.pth'
    shutil.copy(ours, damaged)
    with pytest.raises(ZooError, match='damaged or not the one published'):
        resolve_checkpoint(str(damaged))
    dated = tmp_path / 'model-20240101.pth'  # a date, not a hash: not ours to judge
    torch.save(dict(state_dict={}), dated)
    assert resolve_checkpoint(str(dated)) == str(dated)


# --- README tables and metafiles -------------------------------------------------------------


@pytest.mark.parametrize('family', zoo_index.FAMILIES)
def test_readme_table_agrees_with_its_metafile(family):
    assert zoo_index.table_mismatches(family) == []


def zoo_copy(tmp_path):
    root = tmp_path / 'zoo'
    shutil.copytree(REPO / 'configs', root / 'configs')
    shutil.copy(REPO / 'model-index.yml', root / 'model-index.yml')
    return root


def test_a_table_edited_by_hand_is_caught(tmp_path):
    root = zoo_copy(tmp_path)
    readme = root / 'configs' / 'imseg' / 'README.md'
    text = readme.read_text()
    readme.write_text(text.replace('~0.69 (mIoU)', '~0.96 (mIoU)', 1))
    found = zoo_index.table_mismatches('imseg', root)
    assert any('~0.96' in line and 'has, the metafile not' in line for line in found)
    lines = text.splitlines()
    readme.write_text('\n'.join(line for line in lines if 'oysternet' not in line))
    found = zoo_index.table_mismatches('imseg', root)
    assert len(found) == 1 and 'the metafile has' in found[0] and 'oysternet' in found[0]


def test_a_raster_model_enters_the_zoo_with_its_ground(tmp_path):
    """A raster run's ground (summary.json's ``raster``) goes into its metafile entry, and
    its pixel size into the README table beside the score."""
    root = zoo_copy(tmp_path)
    work = tmp_path / 'work'
    work.mkdir()
    name = 'unet-4l_1xb8-10e_demo-geo-shoreline-4band-128'
    ground = dict(
        dtype='uint16',
        bands=4,
        crs='EPSG:32617',
        pixel_size=[0.5, 0.5],
        scaling=dict(type='minmax', min=[0.0] * 4, max=[10200.0] * 4))
    (work / 'summary.json').write_text(
        json.dumps(
            dict(
                config=f'configs/imseg/{name}.py',
                command='python tools/train.py ...',
                trained=dict(seconds=90.0, hardware='CPU (2 cores)', epochs=10),
                raster=ground)))
    (work / 'test_metrics.json').write_text(json.dumps(dict(mIoU=99.5, mDice=99.7)))
    _, entry = zoo_index.add_run(str(work), zoo_root=root)
    assert entry['Metadata']['Pixel Size'] == '0.5 m'
    assert entry['Metadata']['Rasters'] == \
        'uint16, 4 bands, EPSG:32617, 0.5 m pixels, values 0-10200 -> 0-255'
    row = next(
        line for line in (root / 'configs/imseg/README.md').read_text().splitlines()
        if line.startswith(f'| [{name}]'))
    assert '(0.5 m pixels) | 99.5 | 99.7 |' in row
    assert zoo_index.table_mismatches('imseg', root) == []


# --- publish, add to the zoo, fetch: one trained run -------------------------------------------


@pytest.fixture(scope='module')
def trained(trained, tmp_path_factory):
    """The demo classifier trained one short epoch (once a session) and tested, in a work
    dir of this file's own."""
    work = tmp_path_factory.mktemp('run') / 'work'
    copy_work_dir(trained(CONFIG, QUICK)[0], work)
    run_tool('test.py', CONFIG, work / 'epoch_1.pth', '--work-dir', work)
    return work


def publish(work, out):
    run_tool('model_converters/publish_model.py', work / 'epoch_1.pth', out, '--data',
             'demo textures', '--licence', 'CC-BY-4.0')
    published = list(out.parent.glob(f'{out.stem}-*.pth'))
    assert len(published) == 1
    return published[0]


def test_publish_keeps_the_weights_and_card_and_names_the_hash(trained, tmp_path):
    published = publish(trained, tmp_path / 'pub' / 'convnet.pth')
    assert published.name == f'convnet-{sha256(published)[:8]}.pth'
    original = torch.load(trained / 'epoch_1.pth', weights_only=True)
    assert published.stat().st_size < (trained / 'epoch_1.pth').stat().st_size
    ckpt = torch.load(published, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}  # no optimizer, schedulers, message hub
    assert ckpt['state_dict'].keys() == original['state_dict'].keys()
    for key, value in original['state_dict'].items():
        assert torch.equal(ckpt['state_dict'][key], value), key
    card = ckpt['meta']['model_card']
    tested = json.loads((trained / 'test_metrics.json').read_text())
    assert card['metrics'] == pytest.approx(tested) and card['metrics_split'] == 'test'
    assert card['classes'] == ['marsh', 'pebbles', 'ripples', 'water']
    assert card['task'] == 'classification' and card['family'] == 'imrecog'
    assert card['input']['size'] == [64, 64] and card['licence'] == 'CC-BY-4.0'
    assert 'tools/train.py' in card['command'] and card['config'].endswith(f'{NAME}.py')
    words = (published.parent / 'MODEL.md').read_text()
    assert sha256(published) in words and 'CC-BY-4.0' in words and 'marsh' in words


def test_add_to_zoo_writes_the_entry_and_its_table(trained, tmp_path):
    root = zoo_copy(tmp_path)
    published = publish(trained, tmp_path / 'pub' / 'convnet.pth')
    bad = run_tool(
        'misc/add_to_zoo.py',
        trained,
        '--weights',
        trained / 'epoch_1.pth',
        '--zoo-root',
        root,
        check=False)
    assert bad.returncode == 2 and 'the name carries no hash' in bad.stderr
    run_tool('misc/add_to_zoo.py', trained, '--weights', published, '--zoo-root', root)
    index = zoo_index.read_metafile('imrecog', root)
    entry = next(m for m in index['Models'] if m['Name'] == NAME)
    tested = json.loads((trained / 'test_metrics.json').read_text())
    assert entry['Results'][0]['Metrics'] == {k: round(v, 4) for k, v in tested.items()}
    assert entry['Weights'] == published.as_uri()
    assert entry['Metadata']['Training Resources'].startswith('CPU')
    assert zoo_index.table_mismatches('imrecog', root) == []
    row = next(
        line for line in (root / 'configs/imrecog/README.md').read_text().splitlines()
        if line.startswith(f'| [{NAME}]'))
    assert f'| {tested["cls/accuracy"]:g} |' in row and published.name in row


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(tmp_path):
    """A folder served on loopback over HTTP (mim downloads with requests, which has no
    file:// support)."""
    folder, port = tmp_path / 'served', free_port()
    folder.mkdir()
    server = subprocess.Popen([
        sys.executable, '-m', 'http.server',
        str(port), '--bind', '127.0.0.1', '--directory', folder
    ],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield folder, f'http://127.0.0.1:{port}'
    server.terminate()
    server.wait()


def install_copy(root, tmp_path):
    """The zoo at ``root`` built into a wheel and installed into a folder of its own (put
    first on PYTHONPATH, it is the installed mlmondays-zoo that mim finds)."""
    source = tmp_path / 'source'
    tracked = subprocess.run(['git', 'ls-files'], cwd=REPO, capture_output=True,
                             text=True).stdout.split()
    wanted = ('custom_modules/', 'tools/', 'requirements/', 'setup.py', 'README.md')
    for name in tracked:
        if name.startswith(wanted):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / name, source / name)
    shutil.copytree(root / 'configs', source / 'configs')
    shutil.copy(root / 'model-index.yml', source / 'model-index.yml')
    run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w',
        tmp_path / 'dist', source
    ],
        timeout=300)
    wheel = next((tmp_path / 'dist').glob('mlmondays_zoo-*.whl'))
    run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', tmp_path / 'site',
        wheel
    ],
        timeout=300)
    return tmp_path / 'site'


def mim(*args, site, **kwargs):
    mim_exe = Path(sys.executable).parent / 'mim'
    return run([mim_exe, *args], env=dict(PYTHONPATH=str(site)), **kwargs)


def test_round_trip_publish_add_fetch_with_mim_and_test_again(trained, tmp_path, http_server,
                                                              monkeypatch):
    served, base_url = http_server
    published = publish(trained, served / 'convnet.pth')
    tested = json.loads((trained / 'test_metrics.json').read_text())

    # our loader: a file:// URL, fetched into the hub cache, hash-checked, tested
    torch_home = tmp_path / 'torch'
    run_tool(
        'test.py',
        CONFIG,
        published.as_uri(),
        '--work-dir',
        tmp_path / 'by_url',
        env=dict(TORCH_HOME=str(torch_home)))
    assert (torch_home / 'hub' / 'checkpoints' / published.name).is_file()
    by_url = json.loads((tmp_path / 'by_url' / 'test_metrics.json').read_text())
    assert by_url == pytest.approx(tested)

    # the zoo entry, with the weights' URL; an installed copy of that zoo
    root = zoo_copy(tmp_path)
    url = f'{base_url}/{published.name}'
    run_tool('misc/add_to_zoo.py', trained, '--weights', url, '--zoo-root', root)
    site = install_copy(root, tmp_path)

    mim('search', 'mlmondays-zoo', '--config', NAME, '--json', tmp_path / 'found.json', site=site)
    found = json.loads((tmp_path / 'found.json').read_text())
    assert found['weight'][NAME] == url
    fresh = tmp_path / 'fresh'
    mim('download', 'mlmondays-zoo', '--config', NAME, '--dest', fresh, site=site)
    assert sha256(fresh / published.name) == sha256(published)
    mim('test',
        'mlmondays-zoo',
        fresh / f'{NAME}.py',
        '--checkpoint',
        fresh / published.name,
        '--work-dir',
        tmp_path / 'fetched',
        site=site)
    fetched = json.loads((tmp_path / 'fetched' / 'test_metrics.json').read_text())
    assert fetched == pytest.approx(tested)

    # mim train runs the installed train.py
    mim('train',
        'mlmondays-zoo',
        CONFIG,
        '--work-dir',
        tmp_path / 'mim_train',
        '--cfg-options',
        *QUICK,
        site=site)
    assert (tmp_path / 'mim_train' / 'epoch_1.pth').is_file()
    assert os.path.isfile(site / 'custom_modules' / '.mim' / 'model-index.yml')


def test_weights_in_a_folder_with_a_space_become_a_file_url_and_back(tmp_path):
    source = published_file(tmp_path / 'shared drive')
    url = zoo_index.weights_url(str(source))
    assert url == source.as_uri() and '%20' in url
    assert zoo_index.weights_url(url) == url  # the file:// URL is found and checked
    source.write_bytes(b'changed')
    with pytest.raises(ZooError, match='does not start with the hash in its name'):
        zoo_index.weights_url(url)
