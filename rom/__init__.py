"""rom — range-of-motion measurements from phone videos of mobility tests.

The public API, importable from ``rom`` itself::

    from rom import AnalysisOptions, analyse_trial, Store

    analysis = analyse_trial("lunge.mp4", "ankle-dorsiflexion", AnalysisOptions(side="left"))
    print(analysis.measurement.value, analysis.measurement.reliable)

* the pipeline (:mod:`rom.pipeline`): :class:`AnalysisOptions`, :func:`analyse_trial` ->
  :class:`TrialAnalysis`, :func:`track_trial`, :func:`remeasure`, :func:`render_trial` ->
  :class:`RenderedTrial`;
* the tests (:mod:`rom.protocols`): :data:`CATALOGUE` of :class:`TestSpec`, :data:`TESTS`,
  :data:`UNITS`, and :func:`measure` on a :class:`PoseTrack`;
* the values: :class:`Measurement`, :class:`TrialResult`, :class:`PoseTrack`,
  :class:`Calibration`, :class:`CameraProfile`;
* storage: :class:`Store`; the session comparison: :func:`session_comparison` ->
  :class:`ComparisonLine`;
* the shared words (:mod:`rom.vocabulary`): ``Side``, ``Phase``, ``TestName``, ``SIDES``,
  ``PHASES``, ``HEIGHT_RANGE_CM``;
* the errors (:mod:`rom.errors`): :class:`RomError` and its subclasses.

Names are loaded on first use (``import rom`` stays fast: the pipeline pulls in SciPy,
OpenCV, PyAV and MediaPipe, the store SQLAlchemy); ``rom.<module>`` imports as usual.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from rom.version import __version__

if TYPE_CHECKING:
    from rom.calibrate.profile import CameraProfile
    from rom.calibration import Calibration
    from rom.comparison import ComparisonLine, session_comparison
    from rom.errors import (
        CalibrationError,
        MeasurementError,
        ModelError,
        NoPersonError,
        RomError,
        StorageError,
        VideoError,
    )
    from rom.measurement import Measurement, TrialResult
    from rom.pipeline import (
        AnalysisOptions,
        RenderedTrial,
        TrialAnalysis,
        analyse_trial,
        remeasure,
        render_trial,
        track_trial,
    )
    from rom.pose import PoseTrack
    from rom.protocols import CATALOGUE, TESTS, UNITS, measure
    from rom.protocols.spec import TestSpec
    from rom.store import Store
    from rom.vocabulary import HEIGHT_RANGE_CM, PHASES, SIDES, Phase, Side, TestName

#: Each public name and the module that defines it.
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        ("AnalysisOptions", "RenderedTrial", "TrialAnalysis", "analyse_trial", "remeasure",
         "render_trial", "track_trial"),
        "rom.pipeline",
    ),
    **dict.fromkeys(("CATALOGUE", "TESTS", "UNITS", "measure"), "rom.protocols"),
    "TestSpec": "rom.protocols.spec",
    **dict.fromkeys(("Measurement", "TrialResult"), "rom.measurement"),
    "PoseTrack": "rom.pose",
    "Calibration": "rom.calibration",
    "CameraProfile": "rom.calibrate.profile",
    "Store": "rom.store",
    **dict.fromkeys(("ComparisonLine", "session_comparison"), "rom.comparison"),
    **dict.fromkeys(
        ("HEIGHT_RANGE_CM", "PHASES", "SIDES", "Phase", "Side", "TestName"), "rom.vocabulary"
    ),
    **dict.fromkeys(
        ("RomError", "CalibrationError", "MeasurementError", "ModelError", "NoPersonError",
         "StorageError", "VideoError"),
        "rom.errors",
    ),
}


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rom' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "CATALOGUE",
    "HEIGHT_RANGE_CM",
    "PHASES",
    "SIDES",
    "TESTS",
    "UNITS",
    "AnalysisOptions",
    "Calibration",
    "CalibrationError",
    "CameraProfile",
    "ComparisonLine",
    "Measurement",
    "MeasurementError",
    "ModelError",
    "NoPersonError",
    "Phase",
    "PoseTrack",
    "RenderedTrial",
    "RomError",
    "Side",
    "StorageError",
    "Store",
    "TestName",
    "TestSpec",
    "TrialAnalysis",
    "TrialResult",
    "VideoError",
    "__version__",
    "analyse_trial",
    "measure",
    "remeasure",
    "render_trial",
    "session_comparison",
    "track_trial",
]
