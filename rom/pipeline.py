"""The use-case layer: one video and one test in, a measured trial (and its pictures) out.

This is the only module that strings the analysis steps together::

    track_video (pose track, cached)  ->  calibration_for_video (roll, scale, lens)
        ->  measure (the clinical value)  [->  refine_track around its peak  ->  measure]
        [->  the same frames mirrored  ->  a second reading: the mean, their difference a doubt]
        ->  render_trial (annotated video, key frame)

Every front end (``rom analyze``, ``rom batch``, the dashboard, the benchmarks) builds one
:class:`AnalysisOptions` from its own inputs and calls :func:`analyse_trial`; an option is
added here once and reaches all of them.

Calibration precedence (decided in :func:`rom.calibrate.calibration_for_video`): a roll the
user typed in beats the roll of rom's wall marker, which beats "assume level"; the marker
also gives a scale at the wall plane; a lens profile, when given, is fitted to the video's
frame size and carried along.  The protocol then chooses between the marker's scale and
the person's stated height (see :func:`rom.protocols.scale.resolve_scale`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

from rom import cache, render
from rom.calibrate import (
    CameraProfile,
    calibrate_video,
    calibration_from_user_angle,
    load_camera_profile,
)
from rom.calibration import Calibration
from rom.errors import MeasurementError, RomError
from rom.fileio import atomic_write_bytes, sha256_bytes, sha256_file
from rom.landmarker import PersonChoice
from rom.measurement import Measurement, TrialResult
from rom.pose import PoseTrack
from rom.protocols import measure
from rom.protocols.assessment import with_second_reading
from rom.refine import AUTO, refine_track, refinement_for
from rom.tracking import ProgressCallback, track_video
from rom.vocabulary import SIDE_CHOICES

__all__ = [
    "AnalysisOptions",
    "RenderedTrial",
    "TrialAnalysis",
    "analyse_trial",
    "calibrate_trial",
    "remeasure",
    "render_trial",
    "track_trial",
]


@dataclass(frozen=True, eq=False)
class AnalysisOptions:
    """Every choice a user can make about analysing one video, checked on construction.

    Attributes
    ----------
    model : str or None
        Pose model: ``"lite"``, ``"full"`` (default when None), ``"heavy"`` or a path to a
        ``.task`` bundle.
    fps : float or None
        Analyse at most this many frames per second; None analyses every frame.
    person : int, (x, y) or None
        Whom to follow when several people are in view: size rank at the start (0 = the
        largest, the default) or a pixel ``(x, y)`` on the person in the first frames.
    side : {"auto", "left", "right"}
        The person's side being tested; ``"auto"`` lets the protocol choose.
    height_cm : float or None
        The person's standing height in centimetres, a scale when no marker gives one.
    camera_profile : CameraProfile or None
        Lens intrinsics from ``rom calibrate`` (see :meth:`with_camera_file`).
    roll_deg : float or None
        Camera roll the user entered, degrees clockwise on screen (0 = level; see
        :mod:`rom.calibration`); beats the wall marker's roll.
    use_marker : bool
        Look for rom's printed wall marker (roll and scale).
    use_cache : bool
        Read and write the pose-track cache.
    refine : str or None
        A second, more accurate pose model (e.g. ``"heavy"``) re-run on the frames
        around the measured peak only, whose poses are spliced into ``model``'s track
        before measuring again (see :mod:`rom.refine`); None measures ``model``'s track;
        ``"auto"`` (the default) refines the tests of
        :data:`rom.refine.DEFAULT_REFINEMENT` when tracking with the default model and
        the refining model is provisioned (:func:`rom.refine.refinement_for`).

    Raises
    ------
    RomError
        On construction: an fps that is not a positive number, a negative person rank, a
        person pixel that is not two finite numbers, a side that is not one of
        :data:`rom.vocabulary.SIDE_CHOICES`, a blank refining model, or a roll outside the
        accepted range (:class:`rom.errors.CalibrationError`).  The height's range is
        checked by :func:`rom.protocols.measure`.
    """

    model: str | None = None
    fps: float | None = None
    person: PersonChoice = None
    side: str = "auto"
    height_cm: float | None = None
    camera_profile: CameraProfile | None = None
    roll_deg: float | None = None
    use_marker: bool = True
    use_cache: bool = True
    refine: str | None = AUTO

    def __post_init__(self) -> None:
        if self.fps is not None and not (math.isfinite(self.fps) and self.fps > 0):
            raise MeasurementError(f"fps must be a positive number, not {self.fps}")
        if isinstance(self.person, int) and self.person < 0:
            raise MeasurementError("the person rank must be 0 or more")
        if isinstance(self.person, tuple) and not (
            len(self.person) == 2 and all(math.isfinite(c) for c in self.person)
        ):
            raise MeasurementError(f"the person's pixel must be (x, y), not {self.person}")
        if self.side not in SIDE_CHOICES:
            raise MeasurementError(
                f"side must be one of {', '.join(SIDE_CHOICES)}, not {self.side!r}"
            )
        if self.roll_deg is not None:
            calibration_from_user_angle(self.roll_deg)  # raises CalibrationError
        if self.refine is not None and not self.refine.strip():
            raise MeasurementError("the refining model must be named (e.g. heavy)")

    def with_camera_file(self, path: str | os.PathLike[str] | None) -> AnalysisOptions:
        """These options with the lens profile read from ``path`` (None: unchanged).

        Raises
        ------
        CalibrationError
            The file is missing or not a camera profile.
        """
        if path is None:
            return self
        return replace(self, camera_profile=load_camera_profile(path))

    def same_track(self, other: AnalysisOptions) -> bool:
        """True when ``other`` gives the same pose track (model, refining model, fps and
        person agree)."""
        return (self.model, self.refine, self.fps, self.person) == (
            other.model, other.refine, other.fps, other.person
        )

    def same_calibration(self, other: AnalysisOptions) -> bool:
        """True when ``other`` gives the same calibration (same profile object, roll, marker)."""
        return (
            self.camera_profile is other.camera_profile
            and self.roll_deg == other.roll_deg
            and self.use_marker == other.use_marker
        )


@dataclass(frozen=True)
class TrialAnalysis:
    """One video analysed for one test with the options it was analysed with.

    Attributes
    ----------
    video : Path
        The analysed video file.
    test : str
        One of :data:`rom.protocols.TESTS`.
    options : AnalysisOptions
    track : PoseTrack
        The person's pose landmarks through the video.
    calibration : Calibration
        Roll, scale and lens used; ``roll_source`` and ``scale_source`` say where they
        came from.
    result : TrialResult
        The measurement with the per-frame signal it was taken from.
    """

    video: Path
    test: str
    options: AnalysisOptions
    track: PoseTrack
    calibration: Calibration
    result: TrialResult

    @property
    def measurement(self) -> Measurement:
        """The measurement; its ``calibration`` says which scale the protocol chose (the
        stated height may beat the marker's)."""
        return self.result.measurement


@dataclass(frozen=True)
class RenderedTrial:
    """The pictures of a trial; a failure to draw never hides the measurement.

    Attributes
    ----------
    video : Path or None
        The annotated H.264 video (in the render cache).
    key_frame_png : bytes or None
        PNG of the frame at the measured peak.
    error : str or None
        Why the pictures could not be made, in one line.
    """

    video: Path | None = None
    key_frame_png: bytes | None = None
    error: str | None = None


def track_trial(
    video: str | os.PathLike[str],
    options: AnalysisOptions,
    progress: ProgressCallback | None = None,
) -> PoseTrack:
    """The pose track of ``video`` with the options' model, fps, person and cache choice.

    Raises
    ------
    VideoError, ModelError, NoPersonError
        See :func:`rom.tracking.track_video`.
    """
    return track_video(
        video, model=options.model, fps=options.fps, progress=progress,
        use_cache=options.use_cache, person=options.person,
    )


def calibrate_trial(
    video: str | os.PathLike[str], track: PoseTrack, options: AnalysisOptions
) -> Calibration:
    """The calibration of ``video`` from the options.

    Roll: typed > marker > the room's vertical edges > level; the track masks the person
    out of the scene's edges.  Why a marker in view was not used is kept in
    ``Calibration.marker_rejection``.
    """
    user_roll = (
        calibration_from_user_angle(options.roll_deg) if options.roll_deg is not None else None
    )
    return calibrate_video(
        video, track.frame_size, profile=options.camera_profile, user_roll=user_roll,
        use_marker=options.use_marker, track=track,
    ).calibration


def analyse_trial(
    video: str | os.PathLike[str],
    test: str,
    options: AnalysisOptions,
    progress: ProgressCallback | None = None,
) -> TrialAnalysis:
    """Track, calibrate and measure one video for one test.

    Parameters
    ----------
    video : path-like
        The recorded test (MP4, MOV, ...).
    test : str
        One of :data:`rom.protocols.TESTS`.
    options : AnalysisOptions
    progress : callable(done, total), optional
        Called after each tracked frame; ``total`` is an estimate (0 when unknown).

    Returns
    -------
    TrialAnalysis

    Raises
    ------
    RomError
        Unreadable video, no pose model, nobody in view, a rejected calibration, or a
        measurement error (unknown test, impossible height).

    Notes
    -----
    With a refining model (``options.refine``, see :func:`rom.refine.refinement_for`) the
    measurement on ``options.model``'s track finds the peak;
    the refining model then re-reads the frames around it (:func:`rom.refine.refine_track`)
    and the trial is measured again on the refined track with the same calibration.
    Without a peak the first measurement stands.  For :data:`MIRRORED_READING_TESTS` the
    frames around the peak are then read once more, mirrored, by the model that read them
    (:func:`_with_mirrored_reading`).
    """
    path = Path(video)
    track = track_trial(path, options, progress)
    calibration = calibrate_trial(path, track, options)
    analysis = _measured(path, test, options, track, calibration)
    refine = refinement_for(test, options.model, options.refine)
    if refine is not None:
        refined = refine_track(
            path, track, analysis.result, model=refine, use_cache=options.use_cache,
            progress=progress,
        )
        if refined is not None:
            analysis = _measured(path, test, options, refined, calibration)
    return _with_mirrored_reading(analysis, progress)


#: Tests whose measured moment is read a second time on the frames mirrored left to right
#: (:func:`_with_mirrored_reading`).  A pose model's error on a given image is not its
#: error on the mirror image, so the two readings differ by about the model's error there;
#: the held peak's own spread cannot show a landmark that is misplaced but steady.  On the
#: synthetic clips of make_set seeds 77, 303 (clean) and 45 (hard), 2026-12-03: toe
#: touches off by 5.8, 6.0 and 6.4 cm read 6.6, 7.0 and 5.2 cm apart (0.5 and 4.7 cm for
#: two within tolerance); a knee flexion 16 deg low read 5.5 deg apart (the samples' 0.4
#: and 1.8 deg).  Not the ankle: a whole clip of seed 45 read mirrored put a right value
#: (2 deg off) 9.3 deg away; and on 42 knee-to-wall clips (clean seeds 77, 303, 505, 919,
#: 1212, 2468, heel seed 11, hard 45 and 808, 2026-12-03) the peak window read mirrored
#: left the share of reliable values within 5 deg at 21 of 24 and moved the three misses
#: (5.6-7.9 deg low) by 0.7 deg at most: the model's error there is the same on both images.
MIRRORED_READING_TESTS: frozenset[str] = frozenset({"knee-flexion", "toe-touch"})


def _with_mirrored_reading(
    analysis: TrialAnalysis, progress: ProgressCallback | None = None
) -> TrialAnalysis:
    """The analysis with its peak window read again, on mirrored frames, by the model that
    read it (the refining model on a refined track, else the tracking model).

    Only for :data:`MIRRORED_READING_TESTS` and a measured value.  The mirrored poses are
    spliced into the frames around the peak as a refinement is (:func:`rom.refine.refine_track`
    with ``mirrored=True``), the same side is measured on them with the same calibration,
    and the two readings combine (:func:`rom.protocols.assessment.with_second_reading`):
    the value is their mean, its uncertainty grows by their difference.
    """
    m = analysis.measurement
    if analysis.test not in MIRRORED_READING_TESTS or m.value is None:
        return analysis
    options = analysis.options
    refined = "refine" in analysis.track.settings
    model = refinement_for(analysis.test, options.model, options.refine) if refined else None
    mirrored = refine_track(
        analysis.video, analysis.track, analysis.result, model=model or options.model or "full",
        use_cache=options.use_cache, progress=progress, mirrored=True,
    )
    if mirrored is None:
        return analysis
    second = measure(
        mirrored, analysis.test, m.side, calibration=analysis.calibration,
        height_cm=options.height_cm,
    )
    return replace(analysis, result=with_second_reading(analysis.result, second.measurement.value))


def remeasure(
    analysis: TrialAnalysis, options: AnalysisOptions, test: str | None = None
) -> TrialAnalysis:
    """Measure an analysed video again with other options, without tracking it again.

    The calibration is reused unless the profile, the roll or the marker choice changed.

    Raises
    ------
    ValueError
        ``options`` change the pose track (model, refining model, fps or person): call
        :func:`analyse_trial` instead.
    RomError
        As :func:`analyse_trial`'s calibration and measurement steps.

    Notes
    -----
    A refined track stays as it is: refined around the peak of the test it was first
    measured for.  The mirrored second reading is taken again around the new peak (read
    from the cache when the window is the same).
    """
    if not options.same_track(analysis.options):
        raise ValueError("the model, fps or person changed: the video must be tracked again")
    calibration = (
        analysis.calibration
        if options.same_calibration(analysis.options)
        else calibrate_trial(analysis.video, analysis.track, options)
    )
    return _with_mirrored_reading(
        _measured(analysis.video, test or analysis.test, options, analysis.track, calibration)
    )


def _measured(
    video: Path, test: str, options: AnalysisOptions, track: PoseTrack, calibration: Calibration
) -> TrialAnalysis:
    result = measure(
        track, test, options.side, calibration=calibration, height_cm=options.height_cm
    )
    return TrialAnalysis(
        video=video, test=test, options=options, track=track, calibration=calibration,
        result=result,
    )


def render_trial(
    analysis: TrialAnalysis, progress: ProgressCallback | None = None
) -> RenderedTrial:
    """The annotated video and the key frame of a trial, cached on disk.

    The cache (``rom.paths.cache_dir() / "renders" / <video sha256>``, see :mod:`rom.cache`)
    is keyed by the track, the
    measured peak and value, the roll and the renderer's version, so the same trial is
    drawn once.  Drawing errors are returned in :attr:`RenderedTrial.error`.
    """
    m = analysis.measurement
    roll_deg = float(analysis.calibration.roll_deg)
    key = sha256_bytes(
        json.dumps(
            [analysis.track.source_sha256, analysis.track.model_sha256,
             analysis.track.settings, m.test, m.side, m.peak_frame, m.value,
             roll_deg, render.DEFAULT_MAX_SIDE, render.RENDER_VERSION],
            sort_keys=True, default=str,
        ).encode()
    )[:24]
    rendered: Path | None = None
    try:
        # Filed under the video's digest, so deleting its last user removes them (rom.cache).
        video_sha256 = analysis.track.source_sha256 or sha256_file(analysis.video)
        video_out, png_out = cache.render_paths(video_sha256, key)
        cache.private_parent(video_out)
        if not video_out.exists():
            render.render_video(analysis.video, analysis.track, analysis.result, video_out,
                                roll_deg=roll_deg, progress=progress)
        rendered = video_out
        if png_out.exists():
            png = png_out.read_bytes()
        else:
            image = render.key_frame(analysis.video, analysis.track, analysis.result,
                                     roll_deg=roll_deg)
            if image is None:
                return RenderedTrial(rendered)
            png = render.png_bytes(image)
            atomic_write_bytes(png_out, png)
        # So a report finds it from the stored trial (rom.cache.stored_key_frame).
        cache.note_key_frame(png_out, m.test, m.side, m.peak_frame, m.value)
        return RenderedTrial(rendered, png)
    except (RomError, OSError, ValueError) as exc:
        return RenderedTrial(rendered, None, f"The annotated video could not be made: {exc}")
