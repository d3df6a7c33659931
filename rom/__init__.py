"""rom — range-of-motion measurements from phone videos of mobility tests."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rom")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
