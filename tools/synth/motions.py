"""Each test's movement as pose commands over time, with contacts solved on the rig.

A motion returns ``(pose_deg (T, len(PARAMS)), anchor)`` where ``anchor`` names the
foot (``"L"``/``"R"``/``"both"``) that stays planted: :mod:`tools.synth.clip` translates
each frame so that this foot's sole rests on the floor at a fixed place; ``"lying"``
rests the body's lowest point on the floor with the pelvis at a fixed place.  Only
commands are set here; true angles are measured later from the posed joints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tools.synth.body import PARAMS, Body, P, Tensor, deg_schedule


@dataclass(frozen=True)
class Timeline:
    """Rest, ramp to the peak, hold, return (seconds)."""

    start: float = 0.4
    peak: float = 1.9
    hold: float = 0.8
    back: float = 1.0

    def keys(self, rest: float, top: float) -> list[tuple[float, float]]:
        t1 = self.start + self.peak
        t2 = t1 + self.hold
        return [
            (0.0, rest),
            (self.start, rest),
            (t1, top),
            (t2, top),
            (t2 + self.back, rest),
            (1e9, rest),
        ]


def _base(n: int) -> np.ndarray:
    pose = np.zeros((n, len(PARAMS)))
    # Anny's rest pose is an A-pose: lower the arms to hang beside the body.
    pose[:, P["shoulder_lower_L"]] = 38.0
    pose[:, P["shoulder_lower_R"]] = 38.0
    pose[:, P["elbow_flex_L"]] = 8.0
    pose[:, P["elbow_flex_R"]] = 8.0
    return pose


def _solve(
    body: Body,
    pose: np.ndarray,
    free: list[str],
    residual: Callable[[Tensor], Tensor],
    derive: Callable[[Tensor], None] | None = None,
    steps: int = 120,
    lr: float = 1.5,
    every: int = 3,
    lower: dict[str, float] | None = None,
) -> np.ndarray:
    """Adjust the ``free`` columns of ``pose`` (per frame) to minimise ``residual``.

    ``residual(poses) -> (T,)`` squared error from world bone poses (torch, differentiable);
    ``derive(full)`` may set dependent columns from the free ones (in place, torch).
    The solve runs on every ``every``-th frame and is interpolated in between (the
    motions are smooth), which keeps it to a few seconds.
    """
    torch = body.torch
    n = len(pose)
    keep = np.unique(np.r_[np.arange(0, n, every), n - 1])
    base = torch.as_tensor(pose[keep], dtype=body.model.dtype)
    cols = [P[f] for f in free]
    x = base[:, cols].clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        full = base.clone()
        full[:, cols] = x
        if derive is not None:
            derive(full)
        loss = residual(body.bone_poses(full)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():  # joint limits, e.g. no elbow hyperextension
            for j, name in enumerate(free):
                if lower and name in lower:
                    x[:, j].clamp_(min=lower[name])
    solved = x.detach().cpu().numpy()
    out = pose.copy()
    for j, c in enumerate(cols):
        out[:, c] = np.interp(np.arange(n), keep, solved[:, j])
    if derive is not None:
        full_t = torch.as_tensor(out, dtype=body.model.dtype)
        derive(full_t)
        out = full_t.numpy()
    return out


def _other(side: str) -> str:
    return "R" if side == "L" else "L"


def ankle_dorsiflexion(
    body: Body,
    times: np.ndarray,
    side: str,
    peak_cmd: float,
    tl: Timeline,
    heel_lift_deg: float = 0.0,
) -> tuple[np.ndarray, str]:
    """Knee-to-wall lunge: measured foot in front, flat; knee drives forward over the toes.

    ``heel_lift_deg`` pitches the front foot heel-up by that much at the peak (the foot
    rolls onto its toes, which the clip's anchor keeps on the floor).
    """
    s, o = side, _other(side)
    pose = _base(len(times))
    shin = deg_schedule(times, tl.keys(6.0, peak_cmd))
    lift = deg_schedule(times, tl.keys(0.0, heel_lift_deg))
    thigh = 12.0 + 0.45 * shin
    pose[:, P[f"hip_flex_{s}"]] = thigh
    pose[:, P[f"knee_flex_{s}"]] = thigh + shin
    # shin alone keeps the foot parallel to its rest pose (flat); less of it lifts the heel.
    pose[:, P[f"ankle_dorsi_{s}"]] = shin - lift
    pose[:, P["spine_flex"]] = 6.0
    pose[:, P[f"hip_flex_{o}"]] = -22.0
    pose[:, P[f"knee_flex_{o}"]] = 20.0
    for side_ in "LR":  # hands reach towards the wall in front
        pose[:, P[f"shoulder_flex_{side_}"]] = 42.0
        pose[:, P[f"shoulder_lower_{side_}"]] = 25.0
        pose[:, P[f"elbow_flex_{side_}"]] = 60.0

    def rear_foot_on_floor(poses: Tensor) -> Tensor:
        # Rear foot on its toes: ball of the foot level with the front foot's ball.
        rear = body.joint(poses, f"toe3-1.{o}")[:, 2]
        front = body.joint(poses, f"toe3-1.{s}")[:, 2]
        return (rear - front) ** 2 * 1e4

    def rear_heel_up(full: Tensor) -> None:
        # Heel up about 40 deg: the foot's pitch is -hip + knee - ankle (commands).
        full[:, P[f"ankle_dorsi_{o}"]] = (
            -full[:, P[f"hip_flex_{o}"]] + full[:, P[f"knee_flex_{o}"]] - 40.0
        )

    return _solve(body, pose, [f"hip_flex_{o}"], rear_foot_on_floor, rear_heel_up), s


def knee_flexion(
    body: Body, times: np.ndarray, side: str, peak_cmd: float, tl: Timeline
) -> tuple[np.ndarray, str]:
    """Standing quad stretch: heel pulled towards the buttock by the same-side hand."""
    s, o = side, _other(side)
    pose = _base(len(times))
    knee = deg_schedule(times, tl.keys(8.0, peak_cmd))
    pose[:, P[f"knee_flex_{s}"]] = knee
    pose[:, P[f"hip_flex_{s}"]] = -6.0 * np.clip(knee / peak_cmd, 0, 1)
    pose[:, P[f"ankle_dorsi_{s}"]] = -35.0
    pose[:, P[f"shoulder_lower_{o}"]] = 20.0  # free arm out a little for balance

    hanging = pose.copy()

    def hand_on_ankle(poses: Tensor) -> Tensor:
        wrist = body.joint(poses, f"wrist.{s}")
        # Reach for the top of the foot; short arms may fall a few cm short.
        target = 0.5 * (body.joint(poses, f"foot.{s}") + body.joint(poses, f"toe3-1.{s}"))
        return ((wrist - target) ** 2).sum(dim=1) * 1e3

    pose[:, P[f"shoulder_flex_{s}"]] = -30.0
    pose[:, P[f"elbow_flex_{s}"]] = 40.0
    holding = _solve(
        body,
        pose,
        [f"shoulder_flex_{s}", f"shoulder_lower_{s}", f"elbow_flex_{s}"],
        hand_on_ankle,
        steps=250,
        lr=3.0,
        every=6,
        lower={f"elbow_flex_{s}": 5.0},
    )
    # The hand takes hold once the foot is high enough to reach.
    w = np.clip((knee - 55.0) / 40.0, 0.0, 1.0)
    w = (0.5 - 0.5 * np.cos(np.pi * w))[:, None]
    return hanging * (1 - w) + holding * w, o


def hip_extension(
    body: Body, times: np.ndarray, side: str, peak_cmd: float, tl: Timeline
) -> tuple[np.ndarray, str]:
    """Runner's lunge: measured leg behind (on its toes), front foot flat, trunk upright."""
    s, o = side, _other(side)
    pose = _base(len(times))
    ext = deg_schedule(times, tl.keys(4.0, peak_cmd))
    pose[:, P[f"hip_flex_{s}"]] = -ext
    pose[:, P[f"knee_flex_{s}"]] = 12.0
    pose[:, P[f"hip_flex_{o}"]] = 25.0 + 0.8 * ext  # refined by the solve below
    pose[:, P["spine_flex"]] = 4.0
    for side_ in "LR":  # arms relaxed, hands by the hips
        pose[:, P[f"shoulder_flex_{side_}"]] = 8.0
        pose[:, P[f"elbow_flex_{side_}"]] = 25.0
        pose[:, P[f"shoulder_lower_{side_}"]] = 36.0
    foot_pitch = -pose[:, P[f"hip_flex_{s}"]] + pose[:, P[f"knee_flex_{s}"]]
    pose[:, P[f"ankle_dorsi_{s}"]] = foot_pitch - 50.0  # rear heel raised ~50 deg

    def front_leg(full: Tensor) -> None:
        # The front knee and ankle follow the hip to keep the shin angle and the foot flat.
        ext_now = -full[:, P[f"hip_flex_{s}"]]
        front_shin = 14.0 + 0.3 * ext_now
        full[:, P[f"knee_flex_{o}"]] = full[:, P[f"hip_flex_{o}"]] + front_shin
        full[:, P[f"ankle_dorsi_{o}"]] = front_shin

    def both_feet_down(poses: Tensor) -> Tensor:
        rear = body.joint(poses, f"toe3-1.{s}")[:, 2]
        front = body.joint(poses, f"toe3-1.{o}")[:, 2]
        return (rear - front) ** 2 * 1e4

    # Solve the front hip flexion (the lunge's depth) so that the rear toes touch the floor.
    pose = _solve(body, pose, [f"hip_flex_{o}"], both_feet_down, front_leg, steps=150)
    return pose, o


def toe_touch(
    body: Body, times: np.ndarray, side: str, peak_cmd: float, tl: Timeline
) -> tuple[np.ndarray, str]:
    """Standing forward bend, knees straight, arms hanging towards the toes.

    ``peak_cmd`` is the hip (pelvis) flexion at the peak; the spine adds 60 % of it.
    """
    pose = _base(len(times))
    hip = deg_schedule(times, tl.keys(0.0, peak_cmd))
    spine = 0.6 * hip
    # The legs lean back from the ankles as the hips shift back over the heels (feet flat).
    lean_back = 0.12 * hip
    pose[:, P["pelvis_pitch"]] = hip
    for s in "LR":
        pose[:, P[f"hip_flex_{s}"]] = hip + lean_back
        pose[:, P[f"ankle_dorsi_{s}"]] = -lean_back
    pose[:, P["spine_flex"]] = spine
    pose[:, P["neck_flex"]] = 0.25 * hip
    for s in "LR":  # arms hang, swung back a little towards the toes
        pose[:, P[f"shoulder_flex_{s}"]] = 0.85 * (hip + spine)
        pose[:, P[f"shoulder_lower_{s}"]] = 42.0
        pose[:, P[f"elbow_flex_{s}"]] = 4.0
    return pose, "both"


def knee_flexion_prone(
    body: Body, times: np.ndarray, side: str, peak_cmd: float, tl: Timeline
) -> tuple[np.ndarray, str]:
    """Prone knee flexion: lying face down, the heel drawn towards the buttock, no hands.

    The root pitched forward 90 deg lays the body face down; the arms lie along the sides,
    the head is lifted a little, the feet rest pointed and the other leg stays straight.
    Anchor ``"lying"``: the lowest point of the body rests on the floor.
    """
    s, o = side, _other(side)
    pose = _base(len(times))  # arms by the sides: along the body once it lies down
    pose[:, P["pelvis_pitch"]] = 90.0
    pose[:, P["neck_flex"]] = -15.0
    for side_ in "LR":
        pose[:, P[f"shoulder_flex_{side_}"]] = -25.0  # hands beside the hips, not the floor
        pose[:, P[f"ankle_dorsi_{side_}"]] = -30.0
    pose[:, P[f"knee_flex_{s}"]] = deg_schedule(times, tl.keys(4.0, peak_cmd))
    pose[:, P[f"knee_flex_{o}"]] = 3.0
    return pose, "lying"


MOTIONS = {
    "ankle-dorsiflexion": ankle_dorsiflexion,
    "knee-flexion": knee_flexion,
    "knee-flexion-prone": knee_flexion_prone,
    "hip-extension": hip_extension,
    "toe-touch": toe_touch,
}


def walk(times: np.ndarray, cadence_hz: float = 0.9, phase: float = 0.0) -> np.ndarray:
    """A walking gait in place (a passer-by; :mod:`tools.synth.clip` moves it along).

    Returns pose commands (T, len(PARAMS)) in degrees: hips swing +-22 deg in
    antiphase, each knee flexes up to ~55 deg in its swing phase, arms swing against
    the legs.  ``cadence_hz`` is gait cycles (two steps) per second.
    """
    pose = _base(len(times))
    cycle = 2.0 * np.pi * cadence_hz * times + phase
    for s, shift in (("L", 0.0), ("R", np.pi)):
        c = cycle + shift
        pose[:, P[f"hip_flex_{s}"]] = 5.0 + 22.0 * np.sin(c)
        # Swing-phase knee flexion peaks as the thigh passes vertical going forward.
        pose[:, P[f"knee_flex_{s}"]] = 6.0 + 50.0 * np.clip(np.sin(c + 0.9 * np.pi / 2), 0, 1) ** 2
        pose[:, P[f"ankle_dorsi_{s}"]] = 4.0 * np.sin(c)
        pose[:, P[f"shoulder_flex_{s}"]] = -18.0 * np.sin(c)  # against the same-side leg
        pose[:, P[f"shoulder_lower_{s}"]] = 40.0
        pose[:, P[f"elbow_flex_{s}"]] = 20.0
    return pose
