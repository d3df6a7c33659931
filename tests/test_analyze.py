"""Pose tracks from real footage: person following, the pipeline, the track cache."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

from rom import tracking as tracking_module
from rom.errors import NoPersonError
from rom.landmarker import (
    PersonFollower,
    PoseDetector,
    count_people,
    identity_check,
    match_cost,
    person_box,
)
from rom.landmarks import NUM_LANDMARKS, Landmark
from rom.pose import PoseTrack
from rom.tracking import track_video
from rom.video import iter_frames
from tests import datasets
from tests.conftest import run_ffmpeg, write_video

# --- the person-following policy (pure numpy) -----------------------------------------

# A stick figure in units of body height, origin at the feet, y up: (x, y) per landmark.
_FIGURE = {
    Landmark.NOSE: (0.0, 0.93), Landmark.LEFT_SHOULDER: (0.1, 0.8),
    Landmark.RIGHT_SHOULDER: (-0.1, 0.8), Landmark.LEFT_ELBOW: (0.15, 0.62),
    Landmark.RIGHT_ELBOW: (-0.15, 0.62), Landmark.LEFT_WRIST: (0.17, 0.45),
    Landmark.RIGHT_WRIST: (-0.17, 0.45), Landmark.LEFT_HIP: (0.07, 0.5),
    Landmark.RIGHT_HIP: (-0.07, 0.5), Landmark.LEFT_KNEE: (0.08, 0.27),
    Landmark.RIGHT_KNEE: (-0.08, 0.27), Landmark.LEFT_ANKLE: (0.08, 0.04),
    Landmark.RIGHT_ANKLE: (-0.08, 0.04), Landmark.LEFT_HEEL: (0.06, 0.0),
    Landmark.RIGHT_HEEL: (-0.06, 0.0), Landmark.LEFT_FOOT_INDEX: (0.12, 0.0),
    Landmark.RIGHT_FOOT_INDEX: (-0.12, 0.0),
}


def body(feet_x: float, feet_y: float, height: float) -> np.ndarray:
    """Landmark rows (33, 8) of a standing stick figure ``height`` pixels tall."""
    rows = np.zeros((NUM_LANDMARKS, 8), np.float32)
    for index in range(NUM_LANDMARKS):
        fx, fy = _FIGURE.get(Landmark(index), (0.0, 0.9))  # face points near the nose
        rows[index, 0] = feet_x + fx * height
        rows[index, 1] = feet_y - fy * height
    rows[:, 3:5] = 0.95
    return rows


def test_locks_on_the_largest_person():
    follower = PersonFollower()
    for i in range(10):
        follower.add([body(100 + i, 400, 150), body(600 - i, 420, 300)])
    chosen = follower.finish()
    heights = [person_box(rows)[3] - person_box(rows)[1] for rows in chosen if rows is not None]
    assert len(heights) == 10
    assert np.allclose(heights, 0.93 * 300, atol=1)  # nose to heel of the 300 px figure


def test_follows_through_a_crossing_without_switching():
    # A (tall) walks right, B (shorter) walks left; they pass each other at frame 10,
    # and MediaPipe's order of the two changes from frame to frame.
    follower = PersonFollower()
    a_positions = [200 + 20 * i for i in range(21)]
    for i, ax in enumerate(a_positions):
        a, b = body(ax, 400, 300), body(600 - 20 * i, 400, 240)
        follower.add([a, b] if i % 2 else [b, a])
    chosen = follower.finish()
    heel_x = [float(rows[Landmark.LEFT_HEEL, 0]) for rows in chosen if rows is not None]
    assert len(heel_x) == 21
    assert np.allclose(heel_x, np.array(a_positions) + 0.06 * 300)


def test_lost_person_is_marked_undetected_not_replaced():
    follower = PersonFollower()
    for i in range(10):
        follower.add([body(200 + i, 400, 300), body(900, 400, 280)])
    for _ in range(10):  # A is hidden; only B is in view
        follower.add([body(900, 400, 280)])
    follower.add([body(212, 400, 300), body(900, 400, 280)])  # A is back where it was
    chosen = follower.finish()
    assert all(rows is not None for rows in chosen[:10])
    assert all(rows is None for rows in chosen[10:20])
    assert chosen[20] is not None and abs(float(chosen[20][Landmark.NOSE, 0]) - 212) < 1


def test_lone_person_is_taken_back_after_a_gap_anywhere():
    follower = PersonFollower()
    for i in range(6):
        follower.add([body(200 + i, 400, 300)])
    follower.add([])
    follower.add([])
    follower.add([body(1200, 400, 300)])  # far away, but nobody else was ever in view
    chosen = follower.finish()
    assert [rows is not None for rows in chosen] == [True] * 6 + [False, False, True]


def test_held_frames_are_resolved_backwards_from_the_lock():
    # The subject is small (far) in the first frames and grows; a bystander stays at 250 px.
    follower = PersonFollower(lock_frames=5)
    for i in range(8):
        follower.add([body(900, 400, 250), body(300, 400, 200 + 20 * i)])
    chosen = follower.finish()
    assert all(rows is not None for rows in chosen)
    assert all(abs(float(rows[Landmark.NOSE, 0]) - 300) < 1 for rows in chosen)


def test_caller_picks_by_rank_or_point():
    frames = [[body(300, 400, 300), body(900, 400, 200)] for _ in range(6)]

    def run(person):
        follower = PersonFollower(person)
        for candidates in frames:
            follower.add(candidates)
        return follower.finish()

    assert float(run(1)[0][Landmark.NOSE, 0]) == pytest.approx(900)
    assert float(run((900.0, 300.0))[0][Landmark.NOSE, 0]) == pytest.approx(900)
    assert float(run((300.0, 300.0))[-1][Landmark.NOSE, 0]) == pytest.approx(300)
    with pytest.raises(NoPersonError, match="person 2"):
        run(2)
    with pytest.raises(NoPersonError, match="no person was found at pixel"):
        run((600.0, 50.0))


def test_nobody_at_all():
    follower = PersonFollower()
    for _ in range(4):
        follower.add([])
    assert follower.finish() == [None] * 4


def test_match_cost_separates_people_and_tolerates_motion():
    subject = body(300, 400, 300)
    assert match_cost(subject, subject) == 0
    assert match_cost(subject, body(306, 400, 300)) < 0.05  # a step at 30 fps
    assert match_cost(subject, body(700, 400, 300)) > 1.0  # someone else, same size
    assert match_cost(subject, body(300, 400, 150)) > 0.6  # someone half the size


# --- MediaPipe on real footage ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_frame(sports2d_demo: Path) -> np.ndarray:
    """Frame 120 of the demo (4 s in): the woman walking on the grass, side view.

    (From a cold start MediaPipe's detector finds her, not the backlit man on the box.)"""
    for frame in iter_frames(sports2d_demo):
        if frame.index == 120:
            return frame.image
    raise AssertionError("the demo has fewer than 121 frames")


def test_detector_rows_in_original_pixels(pose_model, demo_frame):
    height, width = demo_frame.shape[:2]
    half = np.ascontiguousarray(demo_frame[::2, ::2])
    with PoseDetector(pose_model.path) as full_detector:
        full = full_detector.detect(demo_frame, 0.0)
    with PoseDetector(pose_model.path) as half_detector:
        from_half = half_detector.detect(half, 0.0, full_size=(width, height))
    assert len(full) >= 1 and len(from_half) >= 1
    rows = full[0]
    assert rows.shape == (NUM_LANDMARKS, 8) and rows.dtype == np.float32
    assert np.all((rows[:, 3] >= 0) & (rows[:, 3] <= 1))
    # The woman walking below the box, at x 650-1000 px in the lower half.
    box = person_box(rows)
    assert 650 < box[0] < box[2] < 1000 and 497 < box[1] < box[3] < 994
    # World landmarks are metres about the hips: the hip midpoint is near the origin.
    hips = rows[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 5:8].mean(axis=0)
    assert np.all(np.abs(hips) < 0.1)
    # Landmarks from the half-size image, reported in full pixels, agree with the full run.
    other = min(from_half, key=lambda r: float(np.median(np.abs(r[:, :2] - rows[:, :2]))))
    assert float(np.median(np.abs(other[:, :2] - rows[:, :2]))) < 8


def test_detector_forces_increasing_millisecond_timestamps(pose_model, demo_frame):
    small = np.ascontiguousarray(demo_frame[::2, ::2])
    with PoseDetector(pose_model.path) as detector:
        # Both round to 0 ms; MediaPipe would refuse the second without the bump.
        detector.detect(small, 0.0001)
        people = detector.detect(small, 0.0002)
    assert len(people) >= 1


# --- the pipeline ----------------------------------------------------------------------


def test_analyze_demo_clip(rom_env, demo_clip, pose_model):
    track = track_video(demo_clip, fps=10)
    assert len(track) == 25
    assert np.allclose(track.timestamps_s, np.arange(25) / 10, atol=1e-9)
    assert list(track.frame_indices) == list(range(0, 75, 3))
    assert track.frame_size == (1768, 994)
    assert track.image_xy.shape == (25, 33, 2)
    # The man on the box is in view from 0.2 s on.
    assert track.detected[3:].all()
    assert not track.detected[:2].any()
    hips = track.image_xy[track.detected][:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=1)
    assert np.all((hips[:, 0] > 450) & (hips[:, 0] < 850) & (hips[:, 1] < 500))
    assert np.isnan(track.image_xy[~track.detected]).all()
    assert track.source_sha256 == hashlib.sha256(demo_clip.read_bytes()).hexdigest()
    assert (track.model_name, track.model_sha256) == (pose_model.name, pose_model.sha256)
    assert track.settings["fps"] == 10 and track.settings["video_truncated"] is False


def test_cache_hit_is_instant_and_equal(rom_env, demo_clip, monkeypatch):
    first = track_video(demo_clip, fps=10)
    cached = list((rom_env / "cache" / "tracks").glob("*/*.npz"))
    assert len(cached) == 1

    def no_inference(*args, **kwargs):
        raise AssertionError("MediaPipe ran although the track was cached")

    monkeypatch.setattr(tracking_module, "PoseDetector", no_inference)
    started = time.perf_counter()
    second = track_video(demo_clip, fps=10)
    assert time.perf_counter() - started < 1.0
    for name in ("image_xy", "image_z", "visibility", "presence", "world_xyz", "timestamps_s",
                 "frame_indices", "detected"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert second.settings == first.settings

    # Other settings are another cache entry: analysing at 5 fps must run MediaPipe.
    with pytest.raises(AssertionError, match="MediaPipe ran"):
        track_video(demo_clip, fps=5)


def test_no_cache_and_damaged_cache_entries(rom_env, demo_clip):
    track_video(demo_clip, fps=10, use_cache=False)
    tracks = rom_env / "cache" / "tracks"
    assert not tracks.exists() or not list(tracks.iterdir())

    track = track_video(demo_clip, fps=10)
    (entry,) = tracks.glob("*/*.npz")
    entry.write_bytes(b"half a file")  # e.g. a disk error
    again = track_video(demo_clip, fps=10)
    np.testing.assert_array_equal(again.image_xy, track.image_xy)
    assert PoseTrack.load(entry).detected.sum() == track.detected.sum()


def test_interrupt_leaves_no_cache_file_and_no_thread(rom_env, demo_clip):
    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        track_video(demo_clip, fps=10, progress=interrupt)
    tracks = rom_env / "cache" / "tracks"
    assert not tracks.exists() or not list(tracks.iterdir())
    assert not [t for t in threading.enumerate() if t.name == "rom-video-reader"]


def test_progress_reports_every_frame(rom_env, demo_clip):
    calls = []
    track_video(demo_clip, fps=10, progress=lambda done, total: calls.append((done, total)))
    assert [done for done, _ in calls] == list(range(1, 26))
    assert all(total == 25 for _, total in calls)


def test_no_person_in_a_moving_gradient(rom_env, tmp_path):
    ramp = np.linspace(0, 255, 320, dtype=np.float32)
    frames = [np.repeat(((ramp + 8 * i) % 256).astype(np.uint8)[None, :, None], 240, 0)
              .repeat(3, 2) for i in range(30)]
    path = write_video(tmp_path / "gradient.mp4", frames)
    with pytest.raises(NoPersonError, match="no person was found in any of 30 frames"):
        track_video(path)
    assert not list((rom_env / "cache").rglob("*.npz"))


def test_truncated_video_is_analysed_and_flagged(rom_env, demo_clip, tmp_path):
    data = demo_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    track = track_video(cut, fps=10)
    assert 10 <= len(track) < 25
    assert track.settings["video_truncated"] is True
    assert track.detected[3:].all()


def test_variable_frame_rate_track_keeps_container_times(rom_env, demo_clip, tmp_path):
    images = [f.image for f in iter_frames(demo_clip, fps=10)][3:15]
    times = [0.0, 0.04, 0.09, 0.1, 0.25, 0.3, 0.31, 0.5, 0.55, 0.7, 0.72, 1.0]
    path = write_video(tmp_path / "vfr.mp4", images, times_s=times, options={"crf": "18"})
    track = track_video(path)
    assert np.allclose(track.timestamps_s, times, atol=1.5e-5)
    assert track.detected.all()


@pytest.mark.slow
def test_portrait_phone_clip_matches_the_landscape_analysis(rom_env, demo_clip, ffmpeg, tmp_path):
    # Stored sideways (as a phone does) with a display rotation that makes it upright.
    sideways = tmp_path / "sideways.mp4"
    run_ffmpeg(ffmpeg, "-i", demo_clip, "-vf", "transpose=clock", "-c:v", "libx264", "-crf",
               "12", "-preset", "veryfast", sideways)
    portrait = tmp_path / "portrait.mp4"
    run_ffmpeg(ffmpeg, "-i", sideways, "-c", "copy", "-metadata:s:v", "rotate=90", portrait)
    with av.open(str(portrait)) as container:  # the premise: stored pixels are sideways
        assert (container.streams.video[0].width, container.streams.video[0].height) == (994, 1768)

    upright = track_video(portrait, fps=10)
    reference = track_video(demo_clip, fps=10)
    assert upright.frame_size == (1768, 994)
    both = upright.detected & reference.detected
    assert both.sum() >= 20
    error = np.abs(upright.image_xy[both] - reference.image_xy[both])
    assert float(np.median(error)) < 4  # pixels; only re-encoding differs


@pytest.mark.slow
def test_huge_frames_report_landmarks_in_original_pixels(rom_env, demo_clip, ffmpeg, tmp_path):
    double = tmp_path / "double.mp4"  # 3536x1988: downscaled to 1920 for inference
    run_ffmpeg(ffmpeg, "-i", demo_clip, "-t", "1.5", "-vf", "scale=3536:1988", "-c:v",
               "libx264", "-preset", "ultrafast", "-crf", "16", double)
    big = track_video(double, fps=10)
    normal = track_video(demo_clip, fps=10)
    assert big.frame_size == (3536, 1988)
    n = len(big)
    both = big.detected & normal.detected[:n]
    assert both.sum() >= 8
    error = np.abs(big.image_xy[both] - 2 * normal.image_xy[:n][both])
    assert float(np.median(error)) < 10  # pixels of the 2x frame


@pytest.mark.slow
def test_sports2d_demo_follows_one_person(rom_env, sports2d_demo):
    # Two people: the man on the box (largest at the start) and a woman walking across
    # below him from 2 s on; he later jumps down. The track must never jump to her.
    track = track_video(sports2d_demo, fps=15)
    assert len(track) == 115
    detected = track.detected
    assert detected.sum() >= 60
    hips = track.image_xy[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=1)
    assert np.all(hips[detected, 1] < 500)  # his hips are on the box; hers below 700 px
    steps = np.linalg.norm(np.diff(hips[detected], axis=0), axis=1)
    assert float(steps.max()) < 120  # pixels between consecutive detections
    # She is in view from 2.0 s to 5.7 s: MediaPipe saw two people then, we kept one.
    both_in_view = (track.timestamps_s > 2.1) & (track.timestamps_s < 5.5)
    assert detected[both_in_view].mean() > 0.9
    # ... and says so: two people counted then, one (or none) before she comes.
    assert track.people_count is not None and track.identity_uncertain is not None
    assert (track.people_count[both_in_view] >= 2).mean() > 0.9
    assert track.people_count[track.timestamps_s < 1.9].max() <= 1  # a duplicate is one
    # The man is followed throughout: few frames (his backlit first ones) are uncertain.
    assert track.identity_uncertain[detected].mean() < 0.1


@pytest.mark.slow
def test_pose2sim_second_person_is_counted_and_never_taken(rom_env):
    # Pose2Sim's multi-person demo is its single-person take with a second person
    # composited in. In cam04 both are always seen; the subject (largest at the start)
    # is followed throughout, as in the single-person clip, and no frame is in doubt.
    alone = track_video(datasets.pose2sim_video("cam04"))
    track = track_video(datasets.pose2sim_video("cam04", datasets.POSE2SIM_MULTI_DEMO))
    assert track.people_count is not None and track.identity_uncertain is not None
    assert alone.people_count is not None and alone.people_count.max() == 1
    assert (track.people_count >= 2).mean() > 0.9
    assert track.detected.mean() > 0.95 and not track.identity_uncertain.any()
    both = track.detected & alone.detected
    distance = np.median(np.linalg.norm(track.image_xy - alone.image_xy, axis=-1), axis=1)
    assert (distance[both] < 100).mean() > 0.95  # pixels: the same person, not the other


@pytest.mark.slow
def test_sports2d_demo_person_by_point_finds_the_second_person(rom_env, sports2d_demo):
    # She walks in at 2.0 s (MediaPipe returns only the man before): a point on her where
    # she enters is searched for in the later frames, and she is followed, never him.
    track = track_video(sports2d_demo, fps=15, person=(1390.0, 760.0))
    detected = track.detected
    assert not detected[track.timestamps_s < 1.95].any()
    in_view = (track.timestamps_s > 2.1) & (track.timestamps_s < 5.5)
    assert detected[in_view].mean() > 0.9
    hips = track.image_xy[:, [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=1)
    assert np.all(hips[detected, 1] > 650)  # her hips; his are on the box, above 500 px
    assert track.people_count is not None
    assert (track.people_count[in_view] >= 2).mean() > 0.9



def test_decoding_runs_ahead_of_inference_but_boundedly(rom_env, demo_clip, monkeypatch):
    # Memory stays flat because the reader may be at most a queue's length ahead of the
    # model; decoding overlaps inference because it does run ahead.
    produced = []
    real_iter_frames = tracking_module.iter_frames

    def counting_iter_frames(*args, **kwargs):
        for frame in real_iter_frames(*args, **kwargs):
            produced.append(frame.index)
            yield frame

    monkeypatch.setattr(tracking_module, "iter_frames", counting_iter_frames)
    leads = []
    track = track_video(
        demo_clip, use_cache=False, progress=lambda done, total: leads.append(len(produced) - done)
    )
    assert len(track) == 75
    assert max(leads) <= tracking_module.QUEUE_FRAMES + 2
    assert max(leads) >= tracking_module.QUEUE_FRAMES  # MediaPipe is slower than decoding


# --- people in view and identity (pure numpy) -----------------------------------------


def with_world(rows: np.ndarray, legs: float = 1.0) -> np.ndarray:
    """``rows`` with world landmarks (metres, a 1.75 m person; legs scaled by ``legs``)."""
    out = rows.copy()
    height_px = float(rows[:, 1].max() - rows[:, 1].min())
    out[:, 5:7] = (rows[:, 0:2] - rows[Landmark.LEFT_HIP, 0:2]) / height_px * 1.75
    for side in ("LEFT", "RIGHT"):
        hip = out[Landmark[f"{side}_HIP"], 5:7]
        for name in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
            index = Landmark[f"{side}_{name}"]
            out[index, 5:7] = hip + legs * (out[index, 5:7] - hip)
    return out


def walk(n: int, start: float = 200, step: float = 6, height: float = 300) -> list[np.ndarray]:
    return [with_world(body(start + step * i, 400, height)) for i in range(n)]


def test_identity_is_confident_on_a_walker():
    check = identity_check(walk(30))
    assert np.all(check.confidence > 0.9)
    assert not check.uncertain.any()


def test_a_jump_to_another_person_is_flagged():
    frames: list[np.ndarray | None] = list(walk(30))
    frames[15] = with_world(body(700, 400, 300))  # someone else, same size, 0.4 m away
    frames[16] = None
    check = identity_check(frames)
    assert check.uncertain[15] and check.confidence[15] < 0.1
    assert np.isnan(check.confidence[16]) and not check.uncertain[16]
    others = [i for i in range(30) if i not in (15, 16)]
    assert not check.uncertain[others].any()


def test_a_different_body_in_the_same_place_is_flagged_by_its_limbs():
    frames = walk(30)
    frames[20] = frames[20].copy()
    frames[20][:, 5:8] = with_world(body(200 + 6 * 20, 400, 300), legs=1.8)[:, 5:8]
    check = identity_check(frames)
    assert check.uncertain.tolist() == [i == 20 for i in range(30)]


def test_dropouts_and_a_moving_camera_view_are_not_a_switch():
    frames: list[np.ndarray | None] = list(walk(40, step=12))
    for i in range(10, 18):  # 8 frames hidden: the person walked on meanwhile
        frames[i] = None
    check = identity_check(frames)
    assert not check.uncertain.any()
    assert check.confidence[18] > 0.6


def test_people_count_and_ambiguous_frames_while_two_people_cross():
    follower = PersonFollower()
    for i in range(21):
        a, b = body(200 + 20 * i, 400, 300), body(600 - 20 * i, 400, 290)
        follower.add([a, b] if i % 2 else [b, a])
    follower.add([body(620, 400, 300)])
    chosen = follower.finish()
    assert all(rows is not None for rows in chosen)
    # Level with each other (frame 10) their boxes coincide: seen as one person then.
    assert follower.people_count().tolist() == [2] * 10 + [1] + [2] * 10 + [1]
    check = follower.identity()
    # Close to each other (frames 8-12: 0-160 px apart) the two could be confused.
    assert check.uncertain[10]
    assert not check.uncertain[:6].any() and not check.uncertain[15:].any()


def test_lone_person_back_elsewhere_is_taken_but_flagged():
    follower = PersonFollower()
    for i in range(6):
        follower.add([body(200 + i, 400, 300)])
    follower.add([])
    follower.add([body(1200, 400, 300)])
    chosen = follower.finish()
    assert chosen[-1] is not None
    assert follower.identity().uncertain.tolist() == [False] * 7 + [True]


def test_person_by_point_is_searched_for_in_later_frames():
    # MediaPipe returns only the first person for 1 s; the second (at x=900) appears then.
    frames = [[body(300, 400, 300)] for _ in range(30)]
    frames += [[body(300, 400, 300), body(900, 400, 280)] for _ in range(30)]

    def run(person, search_s=3.0):
        follower = PersonFollower(person, search_s=search_s)
        for i, candidates in enumerate(frames):
            follower.add(candidates, time_s=i / 30)
        return follower.finish()

    chosen = run((900.0, 300.0))
    assert all(rows is None for rows in chosen[:30])
    assert all(abs(float(rows[Landmark.NOSE, 0]) - 900) < 1 for rows in chosen[30:])
    assert float(run(1)[-1][Landmark.NOSE, 0]) == pytest.approx(900)
    with pytest.raises(NoPersonError) as error:
        run((900.0, 300.0), search_s=0.5)
    message = str(error.value)
    assert "no person was found at pixel (900, 300) in the first 0.5 s" in message
    assert "at most 1 person was seen" in message and "x 249-351, y 121-400" in message


def test_a_duplicate_skeleton_is_not_a_second_person():
    subject = body(300, 400, 300)
    assert count_people([subject, body(310, 404, 290)]) == 1  # shifted copy, box IoU 0.9
    assert count_people([subject, body(700, 400, 300)]) == 2
    assert count_people([subject, body(700, 400, 300), body(705, 400, 300)]) == 2
    assert count_people([]) == 0
