"""The embedded demo data is deterministic, complete and shaped as the configs expect."""
import hashlib
import json

from custom_modules import demo_data


def digest(folder):
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob('*') if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path):
    demo_data.generate(tmp_path / 'a', ['imseg'], seed=3)
    demo_data.generate(tmp_path / 'b', ['imseg'], seed=3)
    demo_data.generate(tmp_path / 'c', ['imseg'], seed=4)
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b') != digest(tmp_path / 'c')


def test_incomplete_folder_is_regenerated(tmp_path):
    demo_data.generate(tmp_path, ['imrecog'])
    first = digest(tmp_path)
    (tmp_path / 'imrecog' / '.complete').unlink()
    next((tmp_path / 'imrecog' / 'train' / 'water').iterdir()).unlink()
    demo_data.generate(tmp_path, ['imrecog'])
    assert digest(tmp_path) == first


def test_layouts(tmp_path):
    demo_data.generate(tmp_path)
    for split, n in (('train', 60), ('val', 25)):
        for cls in demo_data.TEXTURE_CLASSES:
            assert len(list((tmp_path / 'imrecog' / split / cls).glob('*.png'))) == n
    coco = json.loads((tmp_path / 'objrecog/annotations/train.json').read_text())
    assert len(coco['images']) == 160 and coco['categories'] == [dict(id=1, name='person')]
    with_people = {a['image_id'] for a in coco['annotations']}
    assert 0 < len(with_people) < len(coco['images'])  # negatives kept
    masks = sorted((tmp_path / 'imseg/masks/val').glob('*.png'))
    assert len(masks) == 30
    for split, n in (('train', 100), ('val', 50)):
        for cls in demo_data.TEXTURE_CLASSES:
            assert len(list((tmp_path / 'ssimrecog' / split / cls).glob('*.png'))) == n


def test_size_option_and_its_own_marker(tmp_path):
    from PIL import Image
    demo_data.generate(tmp_path, ['imseg'], size=32)
    assert Image.open(next((tmp_path / 'imseg/masks/train').glob('*.png'))).size == (32, 32)
    demo_data.generate(tmp_path, ['imseg'])  # the default size is another dataset
    assert Image.open(next((tmp_path / 'imseg/masks/train').glob('*.png'))).size == (64, 64)


def test_processes_started_together_write_once(tmp_path):
    """DDP ranks each call generate() at start-up: the data is written once, whole."""
    import subprocess
    import sys
    code = ('from custom_modules import demo_data; '
            f'demo_data.generate({str(tmp_path)!r}, ["imseg"])')
    procs = [
        subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum('demo data: wrote' in out for out in outputs) == 1
    demo_data.generate(tmp_path / 'reference', ['imseg'])
    assert digest(tmp_path / 'imseg') == digest(tmp_path / 'reference' / 'imseg')
