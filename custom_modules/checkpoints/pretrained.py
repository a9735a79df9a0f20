"""What a pretrained start says: one console line a pretrained module (which weights, how
many of its tensors they gave, which kept their initial values) instead of mmengine's
loader messages (``Loads checkpoint by ... backend``, ``load backbone in model from``,
the list of every mismatched key), which go to the log file only.

mmengine 0.10.7 loads ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``
in ``PretrainedInit`` and reports mismatches in ``load_state_dict``
(https://github.com/open-mmlab/mmengine/blob/v0.10.7/mmengine/runner/checkpoint.py):
``missing keys in source state_dict: a, b`` and ``size mismatch for c: ...`` lines, read
here to count.
"""
import contextlib
import io
import logging
import re

LISTED = 5


def pretrained_inits(model):
    """``(module name, module, checkpoint, prefix)`` of every module whose ``init_cfg``
    loads pretrained weights."""
    found = []
    for name, module in model.named_modules():
        init_cfgs = getattr(module, 'init_cfg', None)
        for init in init_cfgs if isinstance(init_cfgs, list) else [init_cfgs]:
            if isinstance(init, dict) and init.get('type') == 'Pretrained':
                found.append((name or 'model', module, init.get('checkpoint'), init.get('prefix')))
    return found


class MismatchReports(logging.Filter):
    """On the console handler while weights load: keeps mmengine's mismatch reports (the
    log file still gets them) off the console, for :func:`summary_line` to count."""

    START = 'The model and loaded state dict do not match exactly'

    def __init__(self):
        super().__init__()
        self.texts = []

    def filter(self, record):
        if str(record.msg).startswith(self.START):
            self.texts.append(str(record.msg))
            return False
        return True


@contextlib.contextmanager
def loading_quietly(logger):
    """Around ``init_weights``: mmengine's loader lines go to ``logger``'s file, not the
    console; yields the mismatch reports."""
    consoles = [h for h in logger.handlers if type(h) is logging.StreamHandler]
    reports = MismatchReports()
    for handler in consoles:
        handler.addFilter(reports)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):  # "Loads checkpoint by ... backend"
            yield reports.texts
    finally:
        for handler in consoles:
            handler.removeFilter(reports)
        for line in printed.getvalue().splitlines():
            logger.info(line)


def _keys(texts, pattern):
    keys = []
    for text in texts:
        for found in re.findall(pattern, text):
            keys += [k.strip() for k in found.split(',') if k.strip()]
    return keys


def summary_line(name, module, checkpoint, prefix, texts):
    """``pretrained backbone: <checkpoint> (its backbone.* tensors): 259 of 260 tensors
    loaded; 1 kept its initial value: conv1.conv.weight``."""
    tensors = [k for k in module.state_dict() if 'num_batches_tracked' not in k]
    kept = set(_keys(texts, r'missing keys in source state_dict: ([^\n]*)'))
    kept |= set(_keys(texts, r'size mismatch for ([^:\n]+):'))
    kept &= set(tensors)
    where = f" (its {prefix.rstrip('.')}.* tensors)" if prefix else ''
    line = (f'pretrained {name}: {checkpoint}{where}: {len(tensors) - len(kept)} of '
            f'{len(tensors)} tensors loaded')
    if kept:
        listed = sorted(kept)
        more = f' and {len(listed) - LISTED} more' if len(listed) > LISTED else ''
        line += (f'; {len(kept)} kept {"its" if len(kept) == 1 else "their"} initial '
                 f'value{"s" if len(kept) > 1 else ""}: {", ".join(listed[:LISTED])}{more}')
    return line
