"""A user's config never trains silently wrong, or fails for a reason it does not state."""
import sys

from zoo_test_utils import DEMO_CONFIGS, IN_PROCESS_LOADERS, REPO, run, run_tool, write_images


def test_class_names_that_look_like_numbers_stay_names(tmp_path):
    """``classes="['0','1']"`` arrives from mmengine's option parser as [0, 1]; the folder
    dataset found folder '0' missing from the class list [0, 1]. Class names are strings."""
    for split in ('train', 'val'):
        write_images([tmp_path / split / c / f'{i}.png' for c in ('0', '1') for i in range(4)])
    options = [
        f'{loader}.dataset.{key}' for loader in ('train_dataloader', 'val_dataloader')
        for key in (f'data_root={tmp_path}', "classes=['0','1']")
    ]
    out = run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path / 'work',
                   '--cfg-options', *options, 'train_dataloader.dataset.data_prefix=train',
                   'val_dataloader.dataset.data_prefix=val', 'model.head.num_classes=2',
                   'data_preprocessor.num_classes=2', 'train_cfg.max_epochs=1',
                   'train_dataloader.batch_size=4', *IN_PROCESS_LOADERS)
    assert 'val epoch 1' in out.stdout or 'val:' in out.stdout, out.stdout[-2000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()


def test_a_checkpoint_is_read_once_and_a_resumed_run_says_from_where(tmp_path, trained):
    """Testing reads the checkpoint once (the fit check and the load share one safe read;
    it was read twice), and --resume says on the console which checkpoint and where the
    run continues (mmengine showed only "Loads checkpoint by local backend")."""
    import sys

    from zoo_test_utils import QUICK, copy_work_dir, run
    config = DEMO_CONFIGS['imseg']
    work = copy_work_dir(trained(config, QUICK)[0], tmp_path / 'work')  # after a short epoch
    checkpoint = work / 'epoch_1.pth'
    test = run([
        sys.executable, 'tests/helpers/count_loads.py', 'tools/test.py', config, checkpoint,
        '--work-dir', tmp_path / 'test', '--cfg-options', 'test_dataloader.dataset.indices=4',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'
    ])
    assert test.stderr.strip().splitlines()[-1] == 'torch.load calls: 1'
    more = [o.replace('max_epochs=1', 'max_epochs=2') for o in QUICK]
    resumed = run_tool('train.py', config, '--work-dir', work, '--resume', '--cfg-options', *more)
    iterations = 16 // 8  # QUICK: 16 training images, the demo's batch of 8
    assert (f'resumed from {checkpoint} (epoch 1 of 2 done, iteration {iterations}); '
            'training continues from there') in resumed.stdout
    assert (work / 'epoch_2.pth').exists()


def user_config(tmp_path, base, body):
    """A config of a user's own that inherits a zoo config and changes a few keys."""
    from zoo_test_utils import REPO
    path = tmp_path / 'my_config.py'
    path.write_text(f"_base_ = ['{REPO / base}']\n{body}")
    return path


def train_refused(tmp_path, config, *options):
    out = run_tool(
        'train.py',
        config,
        '--work-dir',
        tmp_path / 'work',
        '--cfg-options',
        'train_cfg.max_epochs=1',
        'train_dataloader.dataset.indices=8',
        'val_dataloader.dataset.indices=4',
        *IN_PROCESS_LOADERS,
        *options,
        check=False)
    return out


def test_a_classifier_trained_and_scored_at_two_sizes_is_refused(tmp_path):
    """The issue's case: the training pipeline replaced (32 px crops), the inherited
    validation pipeline resizing to 64 px: trained without a word and scored near chance."""
    config = user_config(
        tmp_path, DEMO_CONFIGS['imrecog'], "train_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='LoadImageFromFile'),\n"
        "    dict(type='RandomResizedCrop', scale=32),\n"
        "    dict(type='PackInputs')]))\n")
    out = train_refused(tmp_path, config)
    assert out.returncode == 2, out.stderr[-2000:]
    assert out.stderr.strip().splitlines()[-1] == (
        'error: the network trains on 32x32 inputs (train_dataloader.dataset.pipeline) but '
        'val_dataloader.dataset.pipeline gives 64x64: it would be scored at a scale it never '
        'learned (near chance). Give both pipelines the same size (their Resize scale, '
        'RandomResizedCrop/RandomCrop size), or, if deliberate, set '
        'default_hooks.input_check.allow_other_eval_scale=True')
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()
    allowed = train_refused(tmp_path, config,
                            'default_hooks.input_check.allow_other_eval_scale=True')
    assert allowed.returncode == 0, allowed.stderr[-2000:]


def test_a_detector_scored_outside_its_training_scales_is_refused(tmp_path):
    """The demo detector trains at 128 px; scored at 256 px its objects have twice the size
    it learned."""
    out = train_refused(tmp_path, DEMO_CONFIGS['objrecog'],
                        "val_dataloader.dataset.pipeline.1.scale=(256,256)")
    assert out.returncode == 2, out.stderr[-2000:]
    assert out.stderr.strip().splitlines()[-1].startswith(
        'error: val_dataloader.dataset.pipeline resizes to 256x256, outside the scales '
        'train_dataloader.dataset.pipeline trains at (long side 128-128, short side '
        '128-128): objects would be scored at a scale the network never learned.')


def test_scale_ranges_are_read_from_the_resize_transforms():
    from custom_modules.run.hooks.input_check import resize_range
    jitter = [dict(type='RandomResize', scale=(1024, 768), ratio_range=(0.75, 1.5))]
    assert resize_range(jitter) == ((576.0, 1152.0), (768.0, 1536.0))
    choice = [dict(type='RandomChoiceResize', scales=[(1333, s) for s in (640, 800, 1024)])]
    assert resize_range(choice) == ((640.0, 1024.0), (1333.0, 1333.0))
    between = [dict(type='RandomResize', scale=[(1333, 640), (1333, 800)], keep_ratio=True)]
    assert resize_range(between) == ((640.0, 800.0), (1333.0, 1333.0))
    assert resize_range([dict(type='mmdet.Resize', scale=400)]) == ((400.0, 400.0), ) * 2
    assert resize_range([dict(type='LoadImageFromFile')]) is None


def test_mean_and_std_need_one_value_a_channel(tmp_path):
    out = train_refused(tmp_path, DEMO_CONFIGS['imrecog'],
                        'data_preprocessor.mean=[120,120,120,120]',
                        'data_preprocessor.std=[60,60,60,60]')
    assert out.returncode == 2, out.stderr[-2000:]
    assert out.stderr.strip().splitlines()[-1] == (
        'error: data_preprocessor.mean has 4 values but the inputs have 3 channels: give one '
        'value a channel')


def test_a_config_importing_a_moved_module_is_told_where_it_went(tmp_path):
    config = tmp_path / 'moved.py'
    config.write_text(f"_base_ = ['{REPO}/configs/imseg/unet-4l_1xb8-15e_demo-shoreline-64.py']\n"
                      "custom_imports = dict(imports=['custom_modules.imseg', "
                      "'custom_modules.geo.transforms'], allow_failed_imports=False)\n")
    proc = run([sys.executable, 'tools/train.py', config, '--work-dir', tmp_path / 'w'],
               check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: {config}: custom_imports names custom_modules.geo.transforms, which moved to '
        'custom_modules.datasets.raster_transforms: import that instead')
