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
