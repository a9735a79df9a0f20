"""Walking nested config dicts (a config's data loaders, ``--cfg-options`` keys)."""


def nested_items(node, prefix=''):
    """``(dotted path, key, value)`` for every entry of nested dicts and lists."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield f'{prefix}{key}', key, value
        if isinstance(value, (dict, list, tuple)):
            yield from nested_items(value, f'{prefix}{key}.')
