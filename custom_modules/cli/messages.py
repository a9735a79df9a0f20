"""The tools' errors as one line: a :class:`ZooError`, a checkpoint refused by the safe
loader, an unknown module type, an mmcv op this install left out."""
import difflib
import pickle
import re
import sys
from functools import wraps

from ..checkpoints import refused_checkpoint_message
from ..errors import ZooError
from ..run.distributed import leave_process_group
from .registries import _scope_registries, _with_parents

try:  # raised by mmcv's ops where mmcv was installed without them (the default install)
    from mmcv._ext import CompiledOpsMissing
except ImportError:  # mmcv with its compiled ops (ZOO_MMCV_OPS=cpu or cuda): never raised

    class CompiledOpsMissing(Exception):
        pass


def unknown_type_message(err):
    """For mmengine's "X is not in the <scope>::<name> registry": a one-line error listing
    the closest registered names (the scope's registry and its parents), or None."""
    text = str(err.args[0]) if err.args else ''
    found = re.search(r'(\S+) is not in the (\w+)::([\w ]+) registry', text)
    if not found:
        return None
    wanted, scope, name = found.groups()
    registries = _scope_registries(scope)
    if registries is None:
        return None
    top = next((r for r in registries if r.name == name and r.scope == scope), None)
    names = {key for registry in _with_parents(top) for key in registry.module_dict}
    close = difflib.get_close_matches(wanted, sorted(names), n=5, cutoff=0.5)
    hint = f'did you mean {", ".join(close)}? ' if close else ''
    return (f'unknown {name} type {wanted!r} in scope {scope}: {hint}Check the spelling, or '
            'add the module that registers it to custom_imports')


def zoo_error_message(err):
    """A :class:`ZooError`'s message. One raised in a data loader worker reaches the main
    process re-created by torch with the worker's traceback in its message ("Caught
    ZooError in DataLoader worker process 0. Original Traceback ..."; see
    ``torch/_utils.py``, ``ExceptionWrapper.reraise``): its last line is ours."""
    message = str(err)
    if 'Original Traceback' in message:
        message = message.rstrip().splitlines()[-1]
        message = message.split('ZooError: ', 1)[-1]
    return message


def clean_errors(main):
    """Run ``main``; a :class:`ZooError`, a refused checkpoint or an mmcv op this install
    left out (``tools/install/mmcv_ext_standin.py``) prints ``error: ...`` and exits 2, no
    traceback (a distributed rank leaves its process group first)."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except ZooError as err:
            print(f'error: {zoo_error_message(err)}', file=sys.stderr)
        except pickle.UnpicklingError as err:
            print(f'error: {refused_checkpoint_message(err)}', file=sys.stderr)
        except CompiledOpsMissing as err:
            print(f'error: {err}', file=sys.stderr)
        except KeyError as err:
            message = unknown_type_message(err)
            if message is None:
                raise
            print(f'error: {message}', file=sys.stderr)
        leave_process_group()
        sys.exit(2)

    return wrapper
