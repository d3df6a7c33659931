"""Plain-words names, units and advice shown to people (no Streamlit here).

Test identifiers are the ones in :data:`rom.measure.TESTS`; units are the
:attr:`rom.measurement.Measurement.unit` codes ``"deg"``, ``"cm"`` and
``"fraction_of_height"``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rom.measurement import REASON_TEXT

TEST_LABELS: dict[str, str] = {
    "ankle-dorsiflexion": "Ankle dorsiflexion (knee-to-wall lunge)",
    "knee-flexion": "Knee flexion (quad stretch)",
    "hip-extension": "Hip extension (runner's lunge)",
    "hip-flexion": "Hip flexion",
    "toe-touch": "Toe touch (forward bend)",
}

#: One sentence per test on how to film it, shown before uploading.
FILMING_TIPS: dict[str, str] = {
    "ankle-dorsiflexion": "Film from the side at ankle height; knee drives toward the wall, "
    "heel stays down.",
    "knee-flexion": "Film from the side; pull the heel toward the buttock and hold for a second.",
    "hip-extension": "Film from the side; back knee down, push the hips forward and hold.",
    "hip-flexion": "Film from the side; bring the knee toward the chest and hold.",
    "toe-touch": "Film from the side with the whole body and the floor in frame; knees straight.",
}

SIDE_LABELS: dict[str, str] = {"left": "Left", "right": "Right", "auto": "Detect automatically"}

TECHNIQUES: tuple[str, ...] = ("Toe Spreaders", "Sock Pull", "Other")

#: The welcome page's demo: its person and the technique its session is saved under.
DEMO_PERSON_NAME = "Sample runner (demo)"
DEMO_TECHNIQUE = "Sample clips (demo)"

UNIT_SUFFIX: dict[str, str] = {"deg": "°", "cm": " cm", "fraction_of_height": "% of height"}


def test_label(test: str) -> str:
    """Human name of a test identifier (falls back to a tidied identifier)."""
    return TEST_LABELS.get(test, test.replace("-", " ").capitalize())


def display_scale(unit: str) -> float:
    """Factor from stored values to shown values (fractions of height are shown in %)."""
    return 100.0 if unit == "fraction_of_height" else 1.0


#: Unit suffixes drawn on video: ASCII only (OpenCV's fonts lack ``°``); the overlay draws
#: a degree ring itself.
PLAIN_UNIT_SUFFIX: dict[str, str] = {"deg": "", "cm": " cm", "fraction_of_height": "% height"}


def format_value(value: float | None, unit: str, *, signed: bool = False,
                 digits: int | None = None, plain: bool = False) -> str:
    """A measured value with its unit for people, e.g. ``"42.1°"``, ``"+3.0 cm"``, ``"–"``.

    Parameters
    ----------
    value : float or None
        In stored units (``unit``); None or NaN when there is no value.
    unit : str
        ``"deg"``, ``"cm"`` or ``"fraction_of_height"`` (shown in % of height).
    signed : bool
        Always show the sign (for changes).
    digits : int, optional
        Decimals shown; default 1 (0 for fractions of height, shown in %).
    plain : bool
        ASCII only, for drawing on video: ``"--"`` when there is no value, a hyphen for
        minus, degrees without a unit (:func:`rom.render.draw_label` draws the degree
        ring) and ``"% height"``.
    """
    if value is None or not math.isfinite(value):
        return "--" if plain else "–"
    shown = value * display_scale(unit)
    if digits is None:
        digits = 0 if unit == "fraction_of_height" else 1
    text = f"{shown:+.{digits}f}" if signed else f"{shown:.{digits}f}"
    if plain:
        return text + PLAIN_UNIT_SUFFIX.get(unit, f" {unit}")
    # A typographic minus reads better than a hyphen in tables and on paper.
    return text.replace("-", "−") + UNIT_SUFFIX.get(unit, f" {unit}")


def trusted_value(value: float | None, unit: str, reliable: bool, *, signed: bool = False,
                  marker: str = " (unreliable)") -> str:
    """:func:`format_value`, marked with ``marker`` when the value must not be trusted.

    A number that exists but is unreliable is never shown bare (``"31.5° (unreliable)"``).
    """
    text = format_value(value, unit, signed=signed)
    if value is not None and math.isfinite(value) and not reliable:
        text += marker
    return text


def format_percent(value: float | None, *, signed: bool = True) -> str:
    """``12.345`` -> ``"+12.3%"``; ``None``/NaN -> ``"–"``."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:+.1f}%" if signed else f"{value:.1f}%"
    return text.replace("-", "−")


def reason_texts(reasons: Iterable[str]) -> list[str]:
    """Each reason code in plain words (:data:`rom.measurement.REASON_TEXT`), without repeats.

    A code without a text yet (protocols gain new ones) is still shown, tidied into words,
    rather than dropped.
    """
    texts = [REASON_TEXT.get(str(code)) or str(code).replace("_", " ").capitalize() + "."
             for code in reasons]
    return list(dict.fromkeys(texts))
