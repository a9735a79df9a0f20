"""Each task a class: what a model of that task does after its network (post-processing),
how the views of test-time augmentation and the windows of a large image merge, which
files it writes for pictures and for rasters.

The class is chosen once, from ``model.json``'s ``task`` (:func:`task_for`); no other
code of the runtime tests a task's name. A new output of a task (vectors, uncertainty, an
archive's files) is a method of its class.
"""
from ...errors import ZooError
from .base import Task
from .classification import Classification
from .detection import Detection
from .embedding import Embedding
from .segmentation import Segmentation

TASKS = {cls.name: cls for cls in (Classification, Embedding, Detection, Segmentation)}


def task_for(spec):
    """The task object of a ``model.json`` (``spec``)."""
    if spec.get('task') not in TASKS:
        raise ZooError(f'task {spec.get("task")!r} is not one of {", ".join(TASKS)}')
    return TASKS[spec['task']](spec)


__all__ = ['TASKS', 'Task', 'Classification', 'Detection', 'Embedding', 'Segmentation', 'task_for']
