"""The tool commands library code prints are built in one place, and name real files."""
from custom_modules import commands
from zoo_test_utils import REPO


def test_every_tool_named_exists():
    for tool, path in commands.TOOLS.items():
        assert (REPO / path).is_file(), f'commands.TOOLS[{tool!r}] names {path}, which is missing'


def test_commands_are_python_with_the_tool_path_and_shell_quoted():
    assert commands.resume(
        'configs/a.py',
        'work_dirs/a') == ('python tools/train.py configs/a.py --work-dir work_dirs/a --resume')
    steps = commands.next_steps('configs/my model.py', 'w/epoch_3.pth')
    assert steps == dict(
        test="python tools/test.py 'configs/my model.py' w/epoch_3.pth",
        infer="python tools/infer.py 'configs/my model.py' w/epoch_3.pth IMAGES",
        export="python tools/deployment/export_onnx.py 'configs/my model.py' w/epoch_3.pth "
        '--out DIR')


def test_library_code_spells_no_tool_path_but_in_commands():
    """Messages and summaries build their commands through custom_modules.commands."""
    spelled = []
    for path in (REPO / 'custom_modules').rglob('*.py'):
        if path.name == 'commands.py':
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split('#')[0]
            if any(f"'python {tool}" in code or f'"python {tool}' in code
                   or f"f'python {tool}" in code for tool in commands.TOOLS.values()):
                spelled.append(f'{path.relative_to(REPO)}:{number}')
    assert not spelled, spelled
