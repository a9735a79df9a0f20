"""What a scope registers: its registries, their parents, and the class behind a name."""
import importlib

from mmengine.registry import Registry


def _scope_registries(scope):
    """The registries ``<scope>.registry`` defines, or None when it cannot be imported."""
    try:
        module = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return None
    return [r for r in vars(module).values() if isinstance(r, Registry)]


def _with_parents(registry):
    """``registry`` and its parents, nearest first."""
    while registry is not None:
        yield registry
        registry = registry.parent


def _registered(name, scope):
    """The class (or function) registered as ``name`` (``scope.Name`` allowed) in the
    registries of ``scope`` and their parents, then mmengine's; None if none has it."""
    if '.' in name:
        scope, name = name.split('.', 1)
    for package in dict.fromkeys((scope or 'mmengine', 'mmengine')):
        for top in _scope_registries(package) or []:
            for registry in _with_parents(top):
                if name in registry.module_dict:
                    return registry.module_dict[name]
    return None
