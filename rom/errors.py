"""Errors that rom reports to the user as one clear line (exit code 2 on the CLI).

Anything raised as a :class:`RomError` is a problem with the user's input or
environment, not a bug: the CLI prints ``error: <message>`` without a traceback.
"""


class RomError(Exception):
    """Base class of user-facing errors; ``str(err)`` is the one-line message."""


class VideoError(RomError):
    """The file cannot be decoded as a video (missing, not a video, corrupt, empty)."""


class NoPersonError(RomError):
    """No person was detected in (enough of) the video."""


class ModelError(RomError):
    """No usable pose model could be found, downloaded or built."""


class MeasurementError(RomError):
    """A measurement was asked for that the data cannot support at all."""


class StorageError(RomError):
    """The database cannot be opened, migrated or written."""


class CalibrationError(RomError):
    """A calibration cannot be made from the given input (no board/marker found, bad file)."""
