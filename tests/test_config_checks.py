"""A user's config never trains silently wrong, or fails for a reason it does not state."""
from zoo_test_utils import DEMO_CONFIGS, IN_PROCESS_LOADERS, run_tool, write_images


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


def test_a_checkpoint_is_read_once_and_a_resumed_run_says_from_where(tmp_path):
    """Testing reads the checkpoint once (the fit check and the load share one safe read;
    it was read twice), and --resume says on the console which checkpoint and where the
    run continues (mmengine showed only "Loads checkpoint by local backend")."""
    import sys

    from zoo_test_utils import QUICK, run
    config, work = DEMO_CONFIGS['imseg'], tmp_path / 'work'
    run_tool('train.py', config, '--work-dir', work, '--cfg-options', *QUICK)
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
