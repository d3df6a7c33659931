"""One module per clinical test; :data:`PROTOCOLS` maps each test name to its function.

Every protocol takes a :class:`rom.protocols.base.PreparedTrack`, the side to measure
(``"left"``/``"right"``, or None to choose automatically) and the person's height in cm
(or None), and returns a :class:`rom.measurement.TrialResult`.  Each module's docstring
states the landmarks used, what 0 deg is and which direction is positive, how the side is
chosen, which phase is measured and what invalidates a trial.
"""

from __future__ import annotations

from rom.protocols import ankle_dorsiflexion, hip_extension, hip_flexion, knee_flexion, toe_touch
from rom.protocols.base import Protocol

TESTS: tuple[str, ...] = (
    "ankle-dorsiflexion",
    "knee-flexion",
    "hip-extension",
    "hip-flexion",
    "toe-touch",
)

PROTOCOLS: dict[str, Protocol] = {
    ankle_dorsiflexion.TEST: ankle_dorsiflexion.measure,
    knee_flexion.TEST: knee_flexion.measure,
    hip_extension.TEST: hip_extension.measure,
    hip_flexion.TEST: hip_flexion.measure,
    toe_touch.TEST: toe_touch.measure,
}

#: Unit of each test's primary value ("toe-touch" falls back to "fraction_of_height").
UNITS: dict[str, str] = {
    "ankle-dorsiflexion": "deg",
    "knee-flexion": "deg",
    "hip-extension": "deg",
    "hip-flexion": "deg",
    "toe-touch": "cm",
}

__all__ = ["PROTOCOLS", "TESTS", "UNITS"]
