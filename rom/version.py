"""rom's version, read from the installed distribution (no other rom imports).

Modules that stamp results with it import it from here, not from the package's face
(``rom/__init__.py``), so the science layer depends on nothing above it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rom")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
