"""The one exception type our tools turn into a clean, one-line error."""

MAX_LISTED = 10  # problems named in one error message


class ZooError(Exception):
    """A problem the user can fix (bad path, bad option, bad data); the message says how."""


def bad_files_error(headline, problems):
    """One :class:`ZooError`: ``headline``, then the first ``MAX_LISTED`` problems a line."""
    listed = '\n  '.join(problems[:MAX_LISTED])
    more = (f'\n  ... and {len(problems) - MAX_LISTED} more' if len(problems) > MAX_LISTED else '')
    return ZooError(f'{headline}:\n  {listed}{more}')
