"""The words every part of rom shares: sides, phases, test names and the height range.

Pure constants and type aliases, no imports from the rest of rom, so the science, the
store and the front ends can all use them without depending on each other.
"""

from __future__ import annotations

from typing import Literal

#: The person's side (not the image's): ``"left"`` is the person's left.
Side = Literal["left", "right"]
#: A side as a caller may ask for it; ``"auto"`` lets the protocol choose.
SideChoice = Literal["auto", "left", "right"]
#: Before or after the technique.
Phase = Literal["pre", "post"]
#: The clinical tests rom measures; :data:`rom.protocols.CATALOGUE` has one spec for each.
TestName = Literal[
    "ankle-dorsiflexion",
    "knee-flexion",
    "knee-flexion-prone",
    "hip-extension",
    "hip-flexion",
    "toe-touch",
]
#: The tests measured only by hand on a still image (the pose model has no toe joints);
#: :data:`rom.protocols.MANUAL_CATALOGUE` has one spec for each.
ManualTestName = Literal["big-toe-extension", "big-toe-flexion", "toe-spread"]

SIDES: tuple[Side, ...] = ("left", "right")
SIDE_CHOICES: tuple[SideChoice, ...] = ("auto", "left", "right")
PHASES: tuple[Phase, ...] = ("pre", "post")

#: A person's standing height in cm that rom accepts, inclusive.  Outside it a value is a
#: typing mistake (e.g. metres typed as cm/10), not a person; the upper bound is the
#: tallest person on record (272 cm).
HEIGHT_RANGE_CM: tuple[float, float] = (50.0, 272.0)


def other_side(side: Side) -> Side:
    """The opposite side: ``"left"`` for ``"right"`` and back."""
    return "right" if side == "left" else "left"


__all__ = [
    "HEIGHT_RANGE_CM",
    "PHASES",
    "SIDES",
    "SIDE_CHOICES",
    "ManualTestName",
    "Phase",
    "Side",
    "SideChoice",
    "TestName",
    "other_side",
]
