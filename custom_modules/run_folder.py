"""The folder a run writes its reports into (the samples skipped as bad, the data behind a
metric's figures): given by the run itself (``ZooRunner`` opens :func:`writing_to` on its
log folder around training and testing), not looked up from the logger; outside a run,
the working directory."""
import contextlib
import contextvars

_FOLDER = contextvars.ContextVar('zoo_run_folder', default='.')


def run_folder():
    """The folder of the run in progress, or ``.`` outside a run."""
    return _FOLDER.get()


@contextlib.contextmanager
def writing_to(folder):
    """Reports go to ``folder`` while this is open."""
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)
