"""The one exception type our tools turn into a clean, one-line error."""


class ZooError(Exception):
    """A problem the user can fix (bad path, bad option, bad data); the message says how."""
