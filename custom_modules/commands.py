"""The one place that spells the zoo's tool commands that library code prints.

A run's summary, a preempted run, a model card and the zoo's messages tell the user what
to run next; each builds that command here, so a tool that moves is renamed once
(``tests/test_commands.py`` checks that every file named here exists).
"""
import shlex

TOOLS = dict(
    train='tools/train.py',
    test='tools/test.py',
    infer='tools/infer.py',
    export='tools/deployment/export_onnx.py',
    publish='tools/model_converters/publish_model.py',
    add_to_zoo='tools/misc/add_to_zoo.py',
)


def command(tool, *args):
    """``python <the tool's path> args...``, each argument quoted where a shell needs it
    (upper-case placeholders such as ``IMAGES`` stay as they are)."""
    return shlex.join(['python', TOOLS[tool], *map(str, args)])


def resume(config, work_dir):
    return command('train', config, '--work-dir', work_dir, '--resume')


def test(config, checkpoint, *options):
    return command('test', config, checkpoint, *options)


def infer(config, checkpoint, source='IMAGES'):
    return command('infer', config, checkpoint, source)


def export(config, checkpoint, out_dir='DIR'):
    return command('export', config, checkpoint, '--out', out_dir)


def next_steps(config, checkpoint):
    """What to do with a trained checkpoint: test it, predict with it, export it."""
    return dict(
        test=test(config, checkpoint),
        infer=infer(config, checkpoint),
        export=export(config, checkpoint))
