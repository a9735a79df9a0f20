"""tools/misc: look at the data after the pipeline, and print the merged config."""
import cv2
import pytest

from zoo_test_utils import DEMO_CONFIGS, run_tool

FIXMATCH = 'configs/ssimrecog/fixmatch-da_course-convnet_1xb8+32-1500it_demo-textures-4lpc.py'


@pytest.mark.parametrize(
    'config, phase, cell',
    [
        (DEMO_CONFIGS['imrecog'], 'train', (96, 96)),
        (DEMO_CONFIGS['objrecog'], 'val', (128, 128)),
        (DEMO_CONFIGS['imseg'], 'train', (96, 96)),
        (FIXMATCH, 'train', (96, 192)),  # both views of each image side by side
        # four bands of a 16-bit raster: its first three shown as colour
        ('configs/imseg/unet-4l_1xb8-10e_demo-geo-shoreline-4band-128.py', 'val', (128, 128)),
    ])
def test_browse_dataset_draws_the_samples_after_the_pipeline(tmp_path, config, phase, cell):
    out = run_tool(
        'browse_dataset.py',
        config,
        '--phase',
        phase,
        '--n',
        '6',
        '--out',
        tmp_path,
        tool_dir='tools/misc')
    assert '6 of ' in out.stdout and f'{phase} samples drawn after the pipeline' in out.stdout
    assert len(list((tmp_path / phase).glob('*.png'))) == 6
    grid = cv2.imread(str(tmp_path / f'browse_{phase}.png'))
    columns = 4 if cell[1] > cell[0] else 8
    rows = -(-6 // columns)
    assert grid.shape[:2] == (cell[0] * rows, cell[1] * columns)  # the last row padded


def test_browse_dataset_draws_the_labels(tmp_path):
    """A detection sample with boxes differs from its image; a segmentation sample is
    painted: the drawing is not a no-op."""
    run_tool(
        'browse_dataset.py',
        DEMO_CONFIGS['objrecog'],
        '--phase',
        'val',
        '--n',
        '1',
        '--out',
        tmp_path,
        tool_dir='tools/misc')
    drawn = cv2.imread(str(next((tmp_path / 'val').glob('*.png'))))
    original = cv2.resize(cv2.imread('data/demo/objrecog/images/val/val_0000.png'), (128, 128))
    red = (drawn[..., 2] > 200) & (drawn[..., 1] < 40) & (drawn[..., 0] < 80)
    assert red.sum() > 50 and not ((original[..., 2] > 200) & (original[..., 1] < 40)).any()


def test_print_config_shows_the_merged_config_with_options():
    out = run_tool(
        'print_config.py',
        DEMO_CONFIGS['imrecog'],
        '--cfg-options',
        'train_cfg.max_epochs=3',
        tool_dir='tools/misc').stdout
    assert "max_epochs=3, type='ResumableEpochBasedTrainLoop'" in out  # merged: base + option
    assert "default_scope = 'mmpretrain'" in out
