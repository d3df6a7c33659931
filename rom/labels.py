"""Plain-words names, units and advice shown to people (no Streamlit here).

The words only: each test's :class:`rom.protocols.spec.TestSpec` names its keys here
(``label_key`` into :data:`TEST_LABELS`, ``filming_tip_key`` into :data:`FILMING_TIPS`;
for every test in :data:`rom.protocols.CATALOGUE` they are the test's name).  Units are the
:attr:`rom.measurement.Measurement.unit` codes ``"deg"``, ``"cm"`` and
``"fraction_of_height"``; reason codes are those of the protocols.  This module imports
nothing else of rom but :mod:`rom.i18n`, so the result types can say their reasons in words
through it.  The tables hold the English source text and give it in the current language
on look-up (:class:`rom.i18n.Texts`); their keys are codes and stay as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from rom.i18n import N_, Texts, _

#: Reason code -> advice a runner or physiotherapist can act on.
REASON_TEXT: Mapping[str, str] = Texts({
    "low_visibility": N_("The body parts being measured were hard to see. Use good light, "
                         "wear fitted clothing and keep the measured leg nearest the camera."),
    "not_side_on": N_("Film from the side, with the whole body in frame: the camera should "
                      "look straight at the side of the body, not at the front or back."),
    "heel_lift": N_("The heel came off the floor at the measured moment. Keep the heel down "
                    "and repeat; the number is not a valid result."),
    "out_of_frame": N_("Part of the body left the picture. Step back or move the camera so "
                       "the whole body, feet included, stays in frame."),
    "too_few_frames": N_("The clip is too short or the position was not held. Hold the end "
                         "position for at least a second."),
    "trunk_lean": N_("The upper body leaned away from upright, which distorts the hip angle. "
                     "Keep the trunk upright and repeat."),
    "knees_bent": N_("The knees were bent during the forward bend. Keep the knees straight "
                     "and repeat."),
    "no_scale": N_("No scale was available, so distances cannot be given in centimetres. "
    "Enter your height, or place the calibration marker in view at the same distance from "
    "the camera as your body (e.g. held flat against your side, not on the wall behind)."),
    "hand_hidden": N_("The hand being measured was hard to see at the lowest point of the "
    "bend, so where the fingertip was is a guess. Measure the hand nearest the camera, let "
    "it hang free beside the legs, and use good light; the number is not a valid result."),
    "scale_conflict": N_("The calibration marker makes you look shorter than the height you "
    "entered, which a marker on the wall behind you cannot do. Check the height you "
    "entered, stand straight with both feet on the floor at the start, and keep the "
    "marker on the wall behind you; the distance is not a valid result."),
    "scale_plane_mismatch": N_("The calibration marker's scale does not fit your body: the "
    "marker is probably nearer to or further from the camera than you are (a marker on the "
    "wall behind you makes you look bigger than you are). The scale from your stated height "
    "was used instead where it was given. Put the marker at your own distance from the "
    "camera, or enter your height."),
    "scale_unchecked": N_("The calibration marker gave the scale, but without your height "
    "rom cannot check that the marker was at your distance from the camera, so the "
    "centimetres are not reliable: a marker on the wall behind you makes distances read "
    "too large (about 15 % when it is half a metre behind you and you are 3 m from the "
    "camera). Enter your height so the scale can be checked, and use the same setting for "
    "the before and after clips."),
    "deep_flexion_underread": N_("In a knee bent past a right angle the pose model places "
    "the knee and hip points less well, and on test clips the value read up to 8 degrees "
    "low (11 on poor footage), so it is not given as a reliable number. The bias is the "
    "same in every such bend of this knee filmed the same way, so the change between two "
    "such measurements is still measured and judged."),
    "fingertip_estimated": N_("The fingertip is placed from the pose model's wrist and a "
    "typical hand length, and on test clips the distance was off by up to about 5 cm, so it "
    "is not given as a reliable number. That error comes from your own hand and feet and "
    "the camera, so it is nearly the same in every toe touch filmed the same way: the "
    "change between two such measurements is still measured and judged."),
    "not_levelled": N_("The camera's tilt is unknown, so angles to vertical assume the phone "
                       "was held level. Use a tripod with a level or calibrate the camera's tilt."),
    "no_person": N_("No person was found in the video."),
    "no_height_reference": N_("The person was never seen standing upright with the feet in "
    "view, so the reach cannot be scaled. Start the clip standing straight, whole body in frame."),
    "tilt_unknown": N_("This value is an angle to true vertical, and the camera's tilt is not "
    "known precisely enough (to 1.5 degrees) to trust it: every degree the phone leans is a "
    "degree of error. Put rom's printed marker in view, type the phone's roll from a level "
    "app, or film with door frames or wall corners in the picture."),
    "implausible_pose": N_("At the measured moment the pose model drew the measured leg in a "
    "way no body can be (a thigh or shin changed length, or the knee bent backwards), so a "
    "joint was probably misplaced. Film side-on, in good light, with fitted clothing, and "
    "repeat."),
    "views_disagree": N_("What the picture shows and the pose model's own 3-D estimate of "
    "the same body differ by more than twice rom's tolerance (10 degrees for the knee's "
    "bend), so the body was probably not square to the camera "
    "(a camera too close, a turned leg) or a joint was misplaced. Film side-on "
    "from 2-3 m with the whole body in the picture, in good light, and repeat."),
    "not_this_test": N_("The clip does not show this test's movement (for example the knee "
    "never bent past 60 degrees for a quad stretch, the shin never tilted forward in a "
    "knee-to-wall lunge, the feet were not apart in a lunge, or the trunk never bent "
    "forward in a toe touch). Check that the right test is chosen and that the clip shows "
    "the whole movement."),
    "not_lying_prone": N_("This is the prone test, but the person was not lying face down "
    "at the measured moment. Lie on a mat with the camera at your side, or choose the "
    "standing quad stretch."),
    "lying_pose_unverified": N_("The pose model learnt mostly from people standing; lying "
    "face down, its knee and ankle points were off by up to 10 degrees in rom's tests. "
    "Check the points on the key frame (Correct landmarks): once you have checked or moved "
    "them and saved, the value counts as reliable."),
    "hip_not_flat": N_("The thigh left the line of the trunk at the measured moment (the "
    "hip lifted off the mat or the thigh was raised). A lifted hip slackens the front of "
    "the thigh and lets the knee bend further; keep the front of the hip on the mat, with "
    "a strap or a helper if needed."),
    "too_uncertain": N_("The value could be off by more than rom promises for a reliable "
    "value (5 degrees, 3 cm): it wavered while held, or the camera's tilt or the picture's "
    "scale is not known well enough. Hold the end position still for a second, keep rom's "
    "marker in view, and repeat."),
    "other_leg_moved": N_("The other leg did the test's movement; the chosen leg barely "
                          "moved. Switch the side (or choose Automatic) and analyse again."),
    "movement_incomplete": N_("The measured moment is at the very start or end of the clip "
    "(or where a damaged video breaks off), so the movement may have gone further than the "
    "clip shows. Start filming before the movement and stop after holding the end position."),
    "identity_uncertain": N_("Around the measured moment rom was not sure it was still "
    "following the same person (somebody else came close, or the body was lost and found "
    "elsewhere). Film with nobody else in the picture."),
    "other_people_in_view": N_("Somebody else was in the picture. rom followed one person: "
    "check on the key frame that it is the right one, or film with nobody else in view."),
    "marker_too_small": N_("rom's marker was seen but is too small in the picture to measure "
    "the camera's tilt. Print it larger (see the table on the marker sheet) or move the "
    "camera closer."),
    "marker_blurred": N_("rom's marker was seen but its edges were too blurred or partly "
                         "hidden to measure. Keep it in focus, well lit and uncovered."),
    "marker_too_few_frames": N_("rom's marker was seen clearly in too few frames to trust. "
                                "Keep it in view, still and well lit, for the whole clip."),
    "marker_inconsistent": N_("rom's marker gave different tilts in different frames (it, or "
    "the camera, moved). Fix the phone on a tripod and the marker flat on the wall."),
    "left_right_swap": N_("The left and right legs were confused in several frames; those "
    "frames were left out. Film from the side with the measured leg nearest the camera."),
})

#: Each test's name for people, by its spec's ``label_key``.
TEST_LABELS: Mapping[str, str] = Texts({
    "ankle-dorsiflexion": N_("Ankle dorsiflexion (knee-to-wall lunge)"),
    "knee-flexion": N_("Knee flexion (quad stretch)"),
    "knee-flexion-prone": N_("Knee flexion (prone, lying face down)"),
    "hip-extension": N_("Hip extension (runner's lunge)"),
    "hip-flexion": N_("Hip flexion"),
    "toe-touch": N_("Toe touch (forward bend)"),
})

#: One sentence per test on how to film it, shown before uploading, by ``filming_tip_key``.
FILMING_TIPS: Mapping[str, str] = Texts({
    "ankle-dorsiflexion": N_("Film from the side at ankle height; knee drives toward the wall, "
                             "heel stays down."),
    "knee-flexion": N_("Film from the side; pull the heel toward the buttock and hold for a "
                       "second."),
    "knee-flexion-prone": N_("Lie face down on a mat, camera at mat height 2–3 m to your "
                             "side, whole body in frame; start with both legs straight, then "
                             "bend the knee (by yourself or with a strap, no hand over the "
                             "ankle), keep the hip on the mat and hold for a second."),
    "hip-extension": N_("Film from the side; back knee down, push the hips forward and hold."),
    "hip-flexion": N_("Film from the side; bring the knee toward the chest and hold."),
    "toe-touch": N_("Film from the side with the whole body and the floor in frame; knees "
                    "straight."),
})

#: The names of the tests measured by hand (``manual_only`` specs), by ``label_key``.
MANUAL_TEST_LABELS: Mapping[str, str] = Texts({
    "big-toe-extension": N_("Big-toe extension (first MTP joint, by hand)"),
    "big-toe-flexion": N_("Big-toe flexion (first MTP joint, by hand)"),
    "toe-spread": N_("Toe spreading (top view, by hand)"),
})

#: The free readings of the manual goniometer and ruler (:data:`rom.manual.HAND_READINGS`).
HAND_READING_LABELS: Mapping[str, str] = Texts({
    "hand-angle": N_("Angle by hand (three points)"),
    "hand-distance": N_("Distance by hand (two points)"),
    "hand-vertical": N_("Angle to true vertical by hand (two points)"),
})

#: How to take the photo (or film the frame) of each test measured by hand.
PHOTO_TIPS: Mapping[str, str] = Texts({
    "big-toe-extension": N_("Photograph the inner side of the foot at floor height, square to "
    "the foot; bend the big toe up as far as it goes. Mark the first metatarsal, the big-toe "
    "joint, then the big toe."),
    "big-toe-flexion": N_("Photograph the inner side of the foot at floor height, square to the "
    "foot; curl the big toe down as far as it goes. Mark the first metatarsal, the big-toe "
    "joint, then the big toe."),
    "toe-spread": N_("Photograph the foot straight from above with the toes spread; for a width "
    "in cm put a ruler or a card of known length flat beside the foot. Mark the big-toe tip, "
    "the point between the first and fifth toe joints, then the little-toe tip."),
})

SIDE_LABELS: Mapping[str, str] = Texts({"left": N_("Left"), "right": N_("Right"),
                                        "auto": N_("Detect automatically")})

TECHNIQUES: tuple[str, ...] = ("Toe Spreaders", "Sock Pull", "Other")

#: The welcome page's demo: its person and the technique its session is saved under.
DEMO_PERSON_NAME = "Sample runner (demo)"
DEMO_TECHNIQUE = "Sample clips (demo)"

#: The measured side, spelled so it cannot be missed (card, key frame, video overlay).
MEASURED_SIDE = N_("Measured: {side} leg")


#: A side in a sentence ("the left leg"), lower case; the keys are the side codes.
SIDE_WORDS: Mapping[str, str] = Texts({"left": N_("left"), "right": N_("right")})
#: A phase in a sentence ("the before clip"), lower case; the keys are the phase codes.
PHASE_WORDS: Mapping[str, str] = Texts({"pre": N_("before"), "post": N_("after")})


def side_word(side: str) -> str:
    """``"left"`` / ``"right"`` in the current language for a side code (others as given).

    Every sentence naming a side goes through this, never the raw code, so a translated
    page does not say "the left leg" in English in the middle of another language.
    """
    return SIDE_WORDS.get(side, side)


def phase_word(phase: str) -> str:
    """``"before"`` / ``"after"`` in the current language for ``"pre"`` / ``"post"``."""
    return PHASE_WORDS.get(phase, phase)


def measured_side(side: str, *, plain: bool = False) -> str:
    """``"Measured: LEFT leg"`` for ``side="left"`` (any other text is shown in capitals).

    ``plain``: in English, for drawing on video (OpenCV's fonts have ASCII only); otherwise
    the side word is translated too (:func:`side_word`).
    """
    if plain:
        return MEASURED_SIDE.format(side=side.upper())
    return _(MEASURED_SIDE).format(side=side_word(side).upper())


UNIT_SUFFIX: Mapping[str, str] = Texts({"deg": "°", "cm": N_(" cm"),
                                        "fraction_of_height": N_("% of height")})


def test_label(test: str) -> str:
    """Human name of a test (its spec's ``label_key``); falls back to a tidied identifier."""
    known = (TEST_LABELS.get(test) or MANUAL_TEST_LABELS.get(test)
             or HAND_READING_LABELS.get(test))
    return known or test.replace("-", " ").capitalize()


def display_scale(unit: str) -> float:
    """Factor from stored values to shown values (fractions of height are shown in %)."""
    return 100.0 if unit == "fraction_of_height" else 1.0


#: Unit suffixes drawn on video: ASCII only (OpenCV's fonts lack ``°``); the overlay draws
#: a degree ring itself.
PLAIN_UNIT_SUFFIX: dict[str, str] = {"deg": "", "cm": " cm", "fraction_of_height": "% height"}


def format_value(value: float | None, unit: str, *, signed: bool = False,
                 digits: int | None = None, plain: bool = False,
                 uncertainty: float | None = None) -> str:
    """A measured value with its unit for people, e.g. ``"42.1°"``, ``"+3.0 cm"``, ``"–"``.

    With an ``uncertainty`` the half-width follows the number: ``"42.1 ± 0.8°"``,
    ``"11.1 ± 0.4 cm"`` (``"+-"`` when ``plain``).

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
    uncertainty : float, optional
        About a 95 % half-width in stored units (``Measurement.uncertainty``); not shown
        when None or not finite.
    """
    if value is None or not math.isfinite(value):
        return "--" if plain else "–"
    shown = value * display_scale(unit)
    if digits is None:
        digits = 0 if unit == "fraction_of_height" else 1
    text = f"{shown:+.{digits}f}" if signed else f"{shown:.{digits}f}"
    if uncertainty is not None and math.isfinite(uncertainty):
        half_width = abs(uncertainty) * display_scale(unit)
        text += f" {'+-' if plain else '±'} {half_width:.{digits}f}"
    if plain:
        return text + PLAIN_UNIT_SUFFIX.get(unit, f" {unit}")
    # A typographic minus reads better than a hyphen in tables and on paper.
    return text.replace("-", "−") + UNIT_SUFFIX.get(unit, f" {unit}")


def trusted_value(value: float | None, unit: str, reliable: bool, *, signed: bool = False,
                  marker: str | None = None, uncertainty: float | None = None) -> str:
    """:func:`format_value`, marked with ``marker`` when the value must not be trusted.

    The default ``marker`` is ``" (unreliable)"`` in the current language.

    A number that exists but is unreliable is never shown bare (``"31.5° (unreliable)"``);
    ``uncertainty`` is shown as in :func:`format_value` (``"31.5 ± 0.4°"``).
    """
    text = format_value(value, unit, signed=signed, uncertainty=uncertainty)
    if value is not None and math.isfinite(value) and not reliable:
        text += _(" (unreliable)") if marker is None else marker
    return text


def format_percent(value: float | None, *, signed: bool = True) -> str:
    """``12.345`` -> ``"+12.3%"``; ``None``/NaN -> ``"–"``."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:+.1f}%" if signed else f"{value:.1f}%"
    return text.replace("-", "−")


def reason_texts(reasons: Iterable[str]) -> list[str]:
    """Each reason code in plain words (:data:`REASON_TEXT`), without repeats.

    A code without a text yet (protocols gain new ones) is still shown, tidied into words,
    rather than dropped.
    """
    texts = [REASON_TEXT.get(str(code)) or str(code).replace("_", " ").capitalize() + "."
             for code in reasons]
    return list(dict.fromkeys(texts))
