"""A checkpoint of another model is refused before it is loaded (testing, inference,
resuming), fine-tuning keeps what fits, and --resume needs a checkpoint to resume."""
import shutil

import pytest
import torch
from torch import nn

from custom_modules.checkpoints import check_checkpoint_fits, checkpoint_model_type
from custom_modules.errors import ZooError
from zoo_test_utils import DEMO_CONFIGS, QUICK, run_tool


class Net(nn.Module):

    def __init__(self, classes=3, width=4, layers=200):
        super().__init__()
        self.body = nn.Sequential(*(nn.Linear(width, width) for _ in range(layers)))
        self.head = nn.Linear(width, classes)


def saved(tmp_path, model, cfg_text="model = dict(\n    type='Net',\n    width=4)\n"):
    path = tmp_path / 'net.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(cfg=cfg_text)), path)
    return path


def test_model_type_is_read_from_the_saved_config():
    text = "default_scope = 'mmseg'\nmodel = dict(\n    backbone=dict(type='Enc'),\n" \
           "    type='EncoderDecoder')\nwork_dir = 'x'\n"
    assert checkpoint_model_type(dict(cfg=text)) == 'EncoderDecoder'
    assert checkpoint_model_type({}) == 'unknown'


def test_another_head_is_refused_for_testing_and_kept_initial_for_fine_tuning(
        tmp_path, monkeypatch):
    import custom_modules.checkpoints.fit as checkpoints
    warnings = []
    monkeypatch.setattr(checkpoints, 'print_log', lambda message, **kw: warnings.append(message))
    path = saved(tmp_path, Net(classes=3))
    with pytest.raises(ZooError) as err:
        check_checkpoint_fits(path, Net(classes=5))
    assert str(err.value).startswith(f"checkpoint {path} does not fit this model (the "
                                     "checkpoint's model is Net, the config's Net): 2 tensors "
                                     'differ in shape, 0 are missing and 0 extra; head.weight: '
                                     '[3, 4] in the checkpoint, [5, 4] in the model')
    model = Net(classes=5)
    check_checkpoint_fits(path, model, 'fine-tune')  # a new head on the same body
    assert warnings == [
        f'load_from {path}: 2 tensors of the model keep their initial values (fine-tuning): '
        'head.weight: [3, 4] in the checkpoint, [5, 4] in the model; head.bias: [3] in the '
        'checkpoint, [5] in the model'
    ]


def test_a_few_missing_tensors_are_tolerated_more_are_not(tmp_path):
    path = saved(tmp_path, Net(layers=200))
    check_checkpoint_fits(path, Net(layers=201))  # 2 of 402 tensors missing: within 1 %
    with pytest.raises(ZooError, match='0 tensors differ in shape, 10 are missing'):
        check_checkpoint_fits(path, Net(layers=205))


def test_fine_tuning_from_an_unrelated_model_is_refused(tmp_path):
    path = saved(tmp_path, Net(width=8))
    with pytest.raises(
            ZooError,
            match=r"only 1 of the model's 402 tensors are in the "
            'checkpoint with the same shape'):
        check_checkpoint_fits(path, Net(width=4), 'fine-tune')


@pytest.fixture(scope='module')
def imrecog_checkpoint(trained):
    """The demo classifier's checkpoint after one short epoch (shared: read, or copy it)."""
    return trained(DEMO_CONFIGS['imrecog'], QUICK)[0] / 'epoch_1.pth'


def one_error_line(proc):
    """The tool's error line (upstream warnings may come before it), with no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert 'Traceback' not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_testing_or_inferring_with_another_familys_checkpoint_is_refused(
        imrecog_checkpoint, tmp_path):
    line = one_error_line(
        run_tool(
            'test.py',
            DEMO_CONFIGS['imseg'],
            imrecog_checkpoint,
            '--work-dir',
            tmp_path,
            check=False))
    assert line.startswith(f"error: checkpoint {imrecog_checkpoint} does not fit this model "
                           "(the checkpoint's model is ImageClassifier, the config's "
                           'EncoderDecoder)')
    assert not (tmp_path / 'test_metrics.json').exists()
    line = one_error_line(
        run_tool(
            'infer.py',
            DEMO_CONFIGS['imseg'],
            imrecog_checkpoint,
            'data/demo/imseg/images/val',
            '--out-dir',
            tmp_path / 'pred',
            check=False))
    assert "the checkpoint's model is ImageClassifier" in line


def resume_error(work_dir, *options):
    """The error line of ``train.py --resume`` of the imrecog demo into ``work_dir``."""
    return one_error_line(
        run_tool(
            'train.py',
            DEMO_CONFIGS['imrecog'],
            '--work-dir',
            work_dir,
            '--resume',
            '--cfg-options',
            *QUICK,
            *options,
            check=False))


def test_resuming_with_another_class_count_names_the_tensors(imrecog_checkpoint, tmp_path):
    shutil.copy(imrecog_checkpoint, tmp_path / 'epoch_1.pth')
    line = resume_error(tmp_path, 'model.head.num_classes=5')
    assert '2 tensors differ in shape' in line
    assert 'fc.bias: [4] in the checkpoint, [5] in the model' in line


def test_resume_into_a_work_dir_without_checkpoints(tmp_path):
    line = resume_error(tmp_path)
    assert line == (f'error: --resume: no checkpoint in {tmp_path} to resume from; check '
                    '--work-dir, or use --auto-resume to start fresh when there is none')
    run_tool('train.py', DEMO_CONFIGS['imrecog'], '--work-dir', tmp_path, '--auto-resume',
             '--cfg-options', *QUICK)
    assert (tmp_path / 'epoch_1.pth').exists()
