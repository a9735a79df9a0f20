"""The families of the zoo and their facts, each declared once in its own folder
(``custom_modules/<family>/family.toml``) and read here without importing the family, its
toolbox or torch.

A declaration names the family's toolbox (``scope``), its ``task``, the metafile's
``zoo_task``, its demo configs (the demo runs them; benchmarks take the first) and the
model types the export takes with their task (``models``). Adding a family is its folder
(with its ``family.toml``) and its configs (``docs/architecture.md``).

    python -m custom_modules.families [demo-configs FAMILY ...]
"""
import functools
import os
import os.path as osp
import sys
import tomllib

from .errors import ZooError

DECLARATION = 'family.toml'
KEYS = ('name', 'order', 'scope', 'task', 'zoo_task', 'demo_configs', 'models')


@functools.lru_cache()
def families():
    """``{name: facts}`` of every family, in their ``order``."""
    here = osp.dirname(osp.abspath(__file__))
    found = []
    for folder in sorted(os.listdir(here)):
        path = osp.join(here, folder, DECLARATION)
        if not osp.isfile(path):
            continue
        with open(path, 'rb') as f:
            facts = tomllib.load(f)
        missing = [k for k in KEYS if k not in facts]
        if missing or facts['name'] != folder:
            raise ZooError(f'{path}: a family declaration names its folder ({folder!r}) and '
                           f'has {", ".join(KEYS)}; missing {missing or ["the right name"]}')
        found.append(facts)
    return {facts['name']: facts for facts in sorted(found, key=lambda f: f['order'])}


def names():
    """The families' names, in order."""
    return tuple(families())


def family(name):
    """The facts of one family, or a one-line error naming the others."""
    if name not in families():
        raise ZooError(f'unknown family {name!r}; choose from {", ".join(names())}')
    return families()[name]


def of_model_type(model_type):
    """``(task, family)`` of a model type some family exports, or None."""
    for name, facts in families().items():
        if model_type in facts['models']:
            return facts['models'][model_type], name
    return None


def exported_model_types():
    return [t for facts in families().values() for t in facts['models']]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['demo-configs']:
        try:
            for name in argv[1:] or names():
                print('\n'.join(family(name)['demo_configs']))
        except ZooError as err:
            print(f'error: {err}', file=sys.stderr)
            sys.exit(2)
    else:
        print('\n'.join(names()))


if __name__ == '__main__':
    main()
