"""Run a tool counting the checkpoint reads (``torch.load`` calls) of the process:

    python tests/helpers/count_loads.py tools/test.py CONFIG CHECKPOINT ...

At exit one line on stderr: ``torch.load calls: N``."""
import atexit
import runpy
import sys

import torch

calls = []
_load = torch.load


def counting_load(*args, **kwargs):
    calls.append(args[0] if args else kwargs.get('f'))
    return _load(*args, **kwargs)


torch.load = counting_load
atexit.register(lambda: print(f'torch.load calls: {len(calls)}', file=sys.stderr))
tool = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, '.')
runpy.run_path(tool, run_name='__main__')
