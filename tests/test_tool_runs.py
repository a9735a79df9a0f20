"""The tests' way of running a tool (zoo_test_utils.run): a tool forked from the preloaded
process answers as a new interpreter does, and a run whose environment may act at import
gets a new interpreter."""
import os
import subprocess
import sys

from zoo_test_utils import DEMO_CONFIGS, REPO, _forkable, run_tool


def test_a_forked_tool_answers_as_a_new_interpreter(tmp_path):
    args = ['tools/test.py', DEMO_CONFIGS['imseg'], str(tmp_path / 'nope.pth')]
    forked = run_tool('test.py', *args[1:], check=False)
    fresh = subprocess.run([sys.executable, *args],
                           cwd=REPO,
                           capture_output=True,
                           text=True,
                           env=dict(os.environ, PYTHONUNBUFFERED='1'))
    assert (forked.returncode, forked.stdout, forked.stderr) == \
        (fresh.returncode, fresh.stdout, fresh.stderr) == \
        (2, '', f'error: checkpoint not found: {tmp_path / "nope.pth"}\n')


def test_only_variables_read_after_import_may_differ_in_a_forked_run():
    tool = [sys.executable, 'tools/train.py', 'config.py']
    same = dict(os.environ)
    assert _forkable(tool, same)
    assert _forkable(tool, dict(same, TORCH_HOME='/elsewhere', PYTHONPATH='tests/helpers'))
    assert not _forkable(tool, dict(same, OMP_NUM_THREADS='7'))  # read when torch starts
    assert not _forkable(tool, {k: v for k, v in same.items() if k != 'PATH'})
    assert not _forkable([sys.executable, '-c', 'pass'], same)
    assert not _forkable([sys.executable, 'tests/helpers/count_loads.py', 'tools/test.py'], same)
