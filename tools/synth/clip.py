"""One synthetic clip: pose the body through a test, render it, encode it, write its truth.

``generate(spec, out_dir)`` writes ``<name>.mp4`` and ``<name>.json``.  The JSON's world
frame is described in :mod:`tools.synth.body`; pixel coordinates follow rom (x right,
y down, origin at the top-left corner of the upright frame).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tools.synth import truth
from tools.synth.body import Body, Phenotype
from tools.synth.camera import Camera, orbit_position
from tools.synth.motions import MOTIONS, Timeline, walk
from tools.synth.render import Lighting, Renderer, Scene, _quad, box

LANDMARK_NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

SKIN = [
    (0.93, 0.76, 0.64),
    (0.84, 0.64, 0.50),
    (0.66, 0.47, 0.34),
    (0.45, 0.30, 0.22),
    (0.96, 0.82, 0.72),
]
SHIRT = [
    (0.15, 0.35, 0.70),
    (0.75, 0.15, 0.18),
    (0.20, 0.55, 0.35),
    (0.92, 0.92, 0.90),
    (0.30, 0.30, 0.33),
    (0.95, 0.60, 0.15),
]
SHORTS = [(0.12, 0.12, 0.14), (0.20, 0.25, 0.45), (0.40, 0.40, 0.42), (0.35, 0.28, 0.20)]
SHOES = [(0.95, 0.95, 0.95), (0.10, 0.10, 0.10), (0.30, 0.45, 0.80), (0.80, 0.25, 0.20)]
HAIR = [(0.10, 0.07, 0.05), (0.35, 0.22, 0.12), (0.75, 0.60, 0.35), (0.55, 0.55, 0.55)]
WALLS = [
    (0.86, 0.84, 0.78),
    (0.78, 0.83, 0.86),
    (0.88, 0.80, 0.72),
    (0.80, 0.84, 0.76),
    (0.70, 0.70, 0.72),
]
FLOORS = [(0.62, 0.45, 0.30), (0.72, 0.60, 0.45), (0.50, 0.36, 0.26), (0.60, 0.60, 0.58)]


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines one clip (the JSON repeats it under ``"spec"``).

    ``peak_command_deg`` is the rig command at the peak (see :mod:`tools.synth.motions`);
    the clip's true value is measured from the posed joints, not taken from it.
    ``roll_deg`` turns the camera about its viewing axis (the rom-convention roll that
    results is written as ``camera.roll_deg``).

    The hard conditions (:data:`HARD_FIELDS`, issue 10) default to an ideal clip and are
    left out of the JSON's ``"spec"`` at their defaults, so that the committed samples
    stay byte-identical:

    * ``yaw_deg``: the camera swung about the vertical through its aim point, off
      side-on; positive = towards the person's front (more of the chest in view).
    * ``light``: one of :data:`LIGHTS` (``"even"``, ``"dim"``, ``"backlit"`` = a bright
      window wall behind the person and the key light from behind, ``"warm"`` = tungsten).
    * ``noise_sigma``: Gaussian sensor noise added to each frame before encoding, in
      8-bit levels (standard deviation).
    * ``frame_margin``: share of the short side kept clear around the whole movement; a
      close camera is a short ``camera_distance_m`` with a margin near 0.
    * ``second_person``: a second body walks through behind the person (between the
      person and the back wall, so ``wall_gap_m`` must be at least ~1.2 m).
    * ``step_height_m``: the person stands on a step of this height (the room's floor is
      that much lower), so that toe-touch can reach below the feet (negative values).
    * ``heel_lift_deg``: knee-to-wall only, the front foot pitched heel-up by this much at
      the peak (rolling onto its toes, the fault the test must catch), ramped in with the
      lunge; the true heel rise is in the truth as ``heel_rise_cm``.
    """

    name: str
    test: str
    side: str  # "left" | "right": the measured side, which faces the camera
    peak_command_deg: float
    phenotype: Phenotype = field(default_factory=Phenotype)
    fps: float = 30.0
    duration_s: float = 4.0
    width: int = 1280
    height: int = 720
    camera_distance_m: float = 3.2  # from the body's sagittal plane
    camera_height_m: float = 1.0
    roll_deg: float = 0.0
    long_side_fov_deg: float = 66.0
    wall_gap_m: float = 0.45  # back wall behind the sagittal plane
    clutter: bool = False
    marker: bool = False
    seed: int = 0
    crf: int = 23
    session: str = ""  # "pre" / "post" for sample pairs
    pair: str = ""
    yaw_deg: float = 0.0
    light: str = "even"
    noise_sigma: float = 0.0
    frame_margin: float = 0.04
    second_person: bool = False
    step_height_m: float = 0.0
    heel_lift_deg: float = 0.0

    def hard_conditions(self) -> dict[str, object]:
        """The hard fields that differ from their defaults (empty for an ideal clip)."""
        defaults = {f.name: f.default for f in fields(self) if f.name in HARD_FIELDS}
        return {k: getattr(self, k) for k, v in defaults.items() if getattr(self, k) != v}


#: ClipSpec fields added for the hard set (issue 10): left out of ``"spec"`` at defaults.
HARD_FIELDS = (
    "yaw_deg", "light", "noise_sigma", "frame_margin", "second_person", "step_height_m",
    "heel_lift_deg",
)

#: Light conditions: the renderer's lighting (None = the original even light), the key
#: light's direction relative to the camera side (``sign`` = the camera's side of the body)
#: and whether the back wall is a bright window.
LIGHTS: dict[str, tuple[Lighting | None, tuple[float, float, float], bool]] = {
    "even": (None, (0.5, 0.35, 0.8), False),
    "dim": (Lighting(key=0.32, ambient=0.3), (0.5, 0.35, 0.8), False),
    "backlit": (Lighting(key=0.75, ambient=0.42), (-0.7, 0.25, 0.55), True),
    "warm": (Lighting(key=0.9, ambient=0.9, rgb=(1.0, 0.78, 0.52)), (0.5, 0.35, 0.8), False),
}


def _timeline(duration_s: float) -> Timeline:
    k = duration_s / 4.0
    return Timeline(start=0.4 * k, peak=1.5 * k, hold=0.8 * k, back=1.0 * k)


def _body_colours(body: Body, rng: np.random.Generator) -> NDArray[np.float32]:
    names = body.labels
    bone = body.vertex_bone
    rest = body.rest_vertices
    kps = body.kp_weights @ rest
    kp = {label: kps[i] for i, label in enumerate(body.kp_labels)}
    heads = body.rest["rest_bone_heads"][0].cpu().numpy()
    knee_z = heads[body.bone["lowerleg01.L"], 2]
    hip_z = heads[body.bone["upperleg01.L"], 2]
    elbow_z = heads[body.bone["lowerarm01.L"], 2]
    shoulder_z = heads[body.bone["upperarm01.L"], 2]
    skin, shirt, shorts, shoes, hair = (
        np.array(p[rng.integers(len(p))]) for p in (SKIN, SHIRT, SHORTS, SHOES, HAIR)
    )
    colours = np.tile(skin, (len(rest), 1))

    def on(prefixes: tuple[str, ...]) -> NDArray[np.bool_]:
        ids = [i for i, n in enumerate(names) if n.startswith(prefixes)]
        return np.isin(bone, ids)

    z = rest[:, 2]
    shorts_mask = on(("root", "pelvis", "upperleg01")) | (
        on(("upperleg02",)) & (z > knee_z + 0.45 * (hip_z - knee_z))
    )
    sleeve = on(("upperarm01", "upperarm02")) & (z > elbow_z + 0.55 * (shoulder_z - elbow_z))
    shirt_mask = on(("spine", "clavicle", "shoulder01")) | sleeve
    shoes_mask = on(("foot", "toe"))
    eye_z = 0.5 * (kp["left_eye"][2] + kp["right_eye"][2])
    ear_y = 0.5 * (kp["left_ear"][1] + kp["right_ear"][1])
    ear_z = 0.5 * (kp["left_ear"][2] + kp["right_ear"][2])
    head = on(("head", "neck03"))
    hair_mask = head & ((z > eye_z + 0.045) | ((rest[:, 1] > ear_y + 0.01) & (z > ear_z - 0.03)))
    colours[shorts_mask] = shorts
    colours[shirt_mask] = shirt
    colours[shoes_mask] = shoes
    colours[hair_mask] = hair
    # Slight per-vertex variation so that large areas are not perfectly flat.
    colours *= 1.0 + 0.03 * rng.standard_normal((len(rest), 1))
    return np.clip(colours, 0, 1).astype(np.float32)


def _anchor(
    body: Body,
    verts: NDArray[np.float64],
    joints: NDArray[np.float64],
    anchor: str,
    side_letter: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Translate each frame so the anchored foot's sole is on z = 0 at a fixed place
    (``anchor="lying"``: the body's lowest point on z = 0, the pelvis at a fixed place)."""
    shift = np.zeros((len(verts), 3))
    if anchor == "lying":
        shift[:, 2] = -verts[:, :, 2].min(axis=1)
        pelvis = joints[:, body.bone["root"]]
        shift[:, 1] = pelvis[0, 1] - pelvis[:, 1]
    else:
        letters = ("L", "R") if anchor == "both" else (anchor,)
        ids = [
            i for n, i in body.bone.items() if n.startswith(("foot.", "toe")) and n[-1] in letters
        ]
        foot = np.isin(body.vertex_bone, ids)
        shift[:, 2] = -verts[:, foot, 2].min(axis=1)
        ankle = joints[:, body.bone[f"foot.{anchor if anchor != 'both' else side_letter}"]]
        shift[:, 1] = ankle[0, 1] - ankle[:, 1]
    shift[:, 0] = 0.0
    verts = verts + shift[:, None]
    joints = joints + shift[:, None]
    # Centre the movement's extent front-to-back on y = 0.
    y_mid = 0.5 * (verts[:, :, 1].min() + verts[:, :, 1].max())
    verts[:, :, 1] -= y_mid
    joints[:, :, 1] -= y_mid
    return verts, joints


def _rgb(values: NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def _build_scene(
    spec: ClipSpec,
    sign: float,
    verts: NDArray[np.float64],
    rng: np.random.Generator,
    front_wall_y: float | None,
    marker_image: NDArray[np.uint8] | None,
    marker_y: float,
) -> tuple[Scene, dict[str, object] | None]:
    wall_x = -sign * spec.wall_gap_m
    wall_colour = WALLS[rng.integers(len(WALLS))]
    floor_colour = FLOORS[rng.integers(len(FLOORS))]
    scene = Scene()
    far = 8.0
    # The room's floor; lower than the feet when the person stands on a step.
    floor_z = -spec.step_height_m if spec.step_height_m else 0.0
    scene.floor.append(
        _quad(
            np.array([-far, -far, floor_z]),
            np.array([2 * far, 0, 0]),
            np.array([0, 2 * far, 0]),
            floor_colour,
        )
    )
    # Back wall facing the camera, with a skirting board; a bright window when backlit.
    back_wall = _quad(
        np.array([wall_x, -far, floor_z]),
        np.array([0, 2 * far, 0]),
        np.array([0, 0, 4.5]),
        (1.0, 0.98, 0.95) if LIGHTS[spec.light][2] else wall_colour,
    )
    (scene.glow if LIGHTS[spec.light][2] else scene.plain).append(back_wall)
    scene.plain.append(
        box((wall_x + sign * 0.01, 0.0, floor_z + 0.04), (0.03, 2 * far, 0.08), (0.95, 0.95, 0.93))
    )
    if spec.step_height_m:
        # The step under the feet: its front edge just ahead of the toes.
        feet_y = verts[:, :, 1][:, verts[0, :, 2] < 0.05]
        y0, y1 = float(feet_y.min()) - 0.03, float(feet_y.max()) + 0.2
        h = spec.step_height_m
        scene.plain.append(
            box((0.0, 0.5 * (y0 + y1), -h / 2), (0.5, y1 - y0, h), (0.55, 0.5, 0.45))
        )
    if front_wall_y is not None:
        # The knee-to-wall test's wall, square to the body, its face where the knee peaks.
        # A camera swung towards the front would look through a long wall: there the wall
        # is a panel ending 15 cm beyond the sagittal plane (past the near knee), as a
        # person filming from that side would have to use a door frame or a wall's end.
        if spec.yaw_deg > 0:
            length = spec.wall_gap_m + 0.15
        else:
            length = spec.camera_distance_m * 0.55 + spec.wall_gap_m
        scene.plain.append(
            box(
                (wall_x + sign * length / 2, front_wall_y - 0.05, 1.25),
                (length, 0.1, 2.5),
                _rgb(0.9 * np.asarray(wall_colour)),
            )
        )
    if spec.clutter:
        y_lo = verts[:, :, 1].min() - 0.35
        # Keep the body's whole movement and the marker clear of furniture.
        marker_end = marker_y + 0.25 if marker_image is not None else -9.0
        y_hi = max(float(verts[:, :, 1].max()), marker_end) + 0.35
        for _ in range(7):
            for _attempt in range(20):
                y = rng.uniform(-3.0, 3.0)
                w = rng.uniform(0.25, 0.9)
                if y + w / 2 < y_lo or y - w / 2 > y_hi:
                    break
            else:
                continue
            depth = rng.uniform(0.2, 0.45)
            h = rng.uniform(0.3, 1.9)
            colour = _rgb(rng.uniform(0.15, 0.85, 3))
            scene.plain.append(
                box((wall_x + sign * depth / 2, y, floor_z + h / 2), (depth, w, h), colour)
            )
        for _ in range(3):  # framed pictures high on the wall
            y = rng.uniform(-2.5, 2.5)
            w, h = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.6)
            frame_col = _rgb(rng.uniform(0.1, 0.9, 3))
            scene.plain.append(
                box((wall_x + sign * 0.012, y, rng.uniform(1.6, 2.1)), (0.02, w, h), frame_col)
            )
    marker_info = None
    if marker_image is not None:
        from rom.calibrate.marker import MARKER_DICTIONARY_NAME, MARKER_ID, MARKER_SIZE_MM

        cells = marker_image.shape[0]
        black_m = MARKER_SIZE_MM / 1000.0
        full_m = black_m * cells / (cells - 2 * _QUIET_PX)
        centre_z = 1.1
        x = wall_x + sign * 0.003
        # The quad's "u" edge runs to the image's right: +Y when sign > 0, -Y otherwise.
        u = np.array([0.0, sign * full_m, 0.0])
        corner = np.array([x, marker_y - sign * full_m / 2, centre_z - full_m / 2])
        scene.marker_quad = _quad(corner, u, np.array([0.0, 0.0, full_m]), (1.0, 1.0, 1.0))
        scene.marker_image = marker_image
        half = black_m / 2
        c = np.array([x, marker_y, centre_z])
        r = np.array([0.0, sign, 0.0])
        up = np.array([0.0, 0.0, 1.0])
        corners = [
            c - half * r + half * up,
            c + half * r + half * up,
            c + half * r - half * up,
            c - half * r - half * up,
        ]
        marker_info = {
            "dictionary": MARKER_DICTIONARY_NAME,
            "id": MARKER_ID,
            "size_mm": MARKER_SIZE_MM,
            "corners_3d_m": [p.tolist() for p in corners],  # TL, TR, BR, BL as printed
            "wall_x_m": wall_x,
        }
    return scene, marker_info


def _marker_place(camera: Camera, spec: ClipSpec, sign: float, y_lo: float, y_hi: float) -> float:
    """Marker centre along the wall: behind the body if it is in frame there, else in front."""
    wall_x = -sign * spec.wall_gap_m
    margin = 0.03 * min(spec.width, spec.height)
    for y in (y_hi + 0.35, y_lo - 0.35, y_hi + 0.2, y_lo - 0.2):
        corners = np.array([[wall_x, y + dy, 1.1 + dz] for dy in (-0.1, 0.1) for dz in (-0.1, 0.1)])
        uv = camera.project(corners)
        if (uv.min(axis=0) > margin).all() and (
            uv.max(axis=0) < np.array([spec.width, spec.height]) - margin
        ).all():
            return y
    return y_hi + 0.35


_QUIET_PX = 20  # white margin of the printed marker, in texture pixels (of 6 * 40 + 40)


def _marker_texture() -> NDArray[np.uint8]:
    from rom.calibrate.marker import marker_image

    return marker_image(240, quiet_zone_px=_QUIET_PX)


def _shadows(landmarks: NDArray[np.float64]) -> NDArray[np.float64]:
    """Soft contact shadows under heels, toes and the pelvis: (6, 4) x, y, radius, strength."""
    out = np.zeros((6, 4))
    for k, idx in enumerate((29, 30, 31, 32)):
        p = landmarks[idx]
        out[k] = (p[0], p[1], 0.09, 0.45 * math.exp(-max(p[2], 0.0) / 0.1))
    hips = 0.5 * (landmarks[23] + landmarks[24])
    out[4] = (hips[0], hips[1], 0.35, 0.22)
    feet = landmarks[[29, 30, 31, 32]].mean(axis=0)
    out[5] = (feet[0], feet[1], 0.3, 0.18)
    return out


_BODIES: dict[Phenotype, Body] = {}


def get_body(phenotype: Phenotype) -> Body:
    if phenotype not in _BODIES:
        if len(_BODIES) >= 2:  # the person and a passer-by: each holds a few hundred MB
            _BODIES.clear()
        _BODIES[phenotype] = Body(phenotype)
    return _BODIES[phenotype]


@dataclass(frozen=True)
class Simulation:
    """A posed, anchored movement and its truth (before rendering).

    Attributes
    ----------
    body : Body
    times : ndarray, shape (T,)
        Frame times in seconds.
    pose : ndarray, shape (T, len(PARAMS))
        Rig commands in degrees.
    verts : ndarray, shape (T, V, 3)
        Skinned mesh in world metres.
    landmarks : ndarray, shape (T, 33, 3)
        MediaPipe-ordered landmark positions in world metres.
    fingertips : ndarray, shape (T, 2, 3)
        Left and right index fingertips in world metres.
    values : dict of str to ndarray, shape (T,)
        True per-frame values (``"value"`` is the test's primary measurement).
    peak : int
        Frame of the measured moment.
    command : float
        Peak command actually used (toe-touch may bend less than asked, see below).
    """

    body: Body
    times: NDArray[np.float64]
    pose: NDArray[np.float64]
    verts: NDArray[np.float64]
    landmarks: NDArray[np.float64]
    fingertips: NDArray[np.float64]
    values: dict[str, NDArray[np.float64]]
    peak: int
    command: float


def simulate(spec: ClipSpec) -> Simulation:
    """Pose and anchor the body; return vertices, landmarks and the truth (no rendering)."""
    body = get_body(spec.phenotype)
    n = round(spec.duration_s * spec.fps)
    times = np.arange(n) / spec.fps
    letter = "L" if spec.side == "left" else "R"
    command = spec.peak_command_deg
    while True:
        extra = {"heel_lift_deg": spec.heel_lift_deg} if spec.heel_lift_deg else {}
        pose, anchor = MOTIONS[spec.test](
            body, times, letter, command, _timeline(spec.duration_s), **extra
        )
        verts, joints = body.skin(pose)
        verts, joints = _anchor(body, verts, joints, anchor, letter)
        landmarks = body.landmarks(verts, joints)
        fingertips = body.fingertips(verts)
        values = truth.per_frame(landmarks, spec.test, spec.side, fingertips)
        peak = truth.peak_index(values["value"], spec.test)
        # Fingertips cannot go through the floor (or the step's edge, on a step): a
        # long-armed body bends a little less.
        floor_cm = 1.0 - 100.0 * spec.step_height_m + (5.0 if spec.step_height_m else 0.0)
        if spec.test != "toe-touch" or values["value"][peak] >= floor_cm or command < 40:
            break
        command -= 2.0
    return Simulation(body, times, pose, verts, landmarks, fingertips, values, peak, command)


def _passer_by(
    spec: ClipSpec, sign: float, times: NDArray[np.float64], target_y: float
) -> tuple[Body, NDArray[np.float64]]:
    """A second person walking across behind the measured one: its body and (T, V, 3).

    It walks at ~1.2 m/s along the room, 0.5 m in front of the back wall, and passes
    behind the person at a drawn moment of the clip; its feet are kept on the floor.
    """
    rng = np.random.default_rng([spec.seed, 1])
    phenotype = Phenotype(
        gender=float(rng.uniform(0, 1)),
        age=float(rng.uniform(0.55, 0.9)),
        weight=float(rng.uniform(0.3, 0.7)),
        height=float(rng.uniform(0.3, 0.8)),
    )
    body = get_body(phenotype)
    cadence = float(rng.uniform(0.8, 1.0))
    verts, _joints = body.skin(walk(times, cadence, float(rng.uniform(0, 2 * np.pi))))
    ids = [i for n, i in body.bone.items() if n.startswith(("foot.", "toe"))]
    feet = np.isin(body.vertex_bone, ids)
    floor_z = -spec.step_height_m
    verts[:, :, 2] += floor_z - verts[:, feet, 2].min(axis=1)[:, None]
    direction = float(rng.choice([-1.0, 1.0]))  # +1: walks towards -Y, the way it faces
    if direction < 0:  # turn it round (180 deg about the vertical)
        verts[:, :, :2] *= -1.0
    speed = 1.33 * cadence
    t_cross = float(rng.uniform(0.35, 0.65)) * float(times[-1])
    verts[:, :, 1] += target_y - direction * speed * (times[:, None] - t_cross)
    verts[:, :, 0] += -sign * max(spec.wall_gap_m - 0.5, 0.3)
    return body, verts


def frame_camera(
    spec: ClipSpec, verts: NDArray[np.float64], sign: float
) -> tuple[Camera, float, NDArray[np.float64]]:
    """The clip's camera: ``spec``'s placement, backed off until the whole movement
    (``verts`` (T, V, 3)) is in frame; also its final distance (m) and aim point."""
    y_lo, y_hi = float(verts[:, :, 1].min()), float(verts[:, :, 1].max())
    z_hi = float(verts[:, :, 2].max())
    target = np.array([0.0, 0.5 * (y_lo + y_hi), 0.5 * z_hi])
    distance = spec.camera_distance_m
    sample = verts[:: max(1, len(verts) // 12), ::7].reshape(-1, 3)
    for _ in range(30):  # back the camera off until the whole movement is in frame
        cam_pos = orbit_position(sign, distance, target, spec.yaw_deg, spec.camera_height_m)
        camera = Camera.look_at(
            spec.width, spec.height, spec.long_side_fov_deg, cam_pos, target, spec.roll_deg
        )
        uv = camera.project(sample)
        margin = spec.frame_margin * min(spec.width, spec.height)
        if (uv.min(axis=0) > margin).all() and (
            uv.max(axis=0) < np.array([spec.width, spec.height]) - margin
        ).all():
            break
        distance *= 1.06
    return camera, distance, target


def generate(spec: ClipSpec, out_dir: Path) -> Path:
    """Render ``spec`` to ``out_dir/<name>.mp4`` with ``<name>.json``; return the JSON path."""
    import av

    t0 = time.time()
    rng = np.random.default_rng(spec.seed)
    sim = simulate(spec)
    body, verts, lms, values = sim.body, sim.verts, sim.landmarks, sim.values
    peak, times = sim.peak, sim.times
    sign = 1.0 if spec.side == "left" else -1.0

    y_lo, y_hi = float(verts[:, :, 1].min()), float(verts[:, :, 1].max())
    camera, distance, target = frame_camera(spec, verts, sign)

    front_wall_y = None
    if spec.test == "ankle-dorsiflexion":
        knee = lms[:, 25 if spec.side == "left" else 26]
        front_wall_y = float(knee[:, 1].min()) - 0.05  # knee cap ~5 cm in front of the joint centre
    marker_y = _marker_place(camera, spec, sign, y_lo, y_hi)
    scene, marker_info = _build_scene(
        spec, sign, verts, rng, front_wall_y, _marker_texture() if spec.marker else None, marker_y
    )
    lighting, (lx, ly, lz), _window = LIGHTS[spec.light]
    light = (sign * lx, ly, lz)
    passer = _passer_by(spec, sign, times, float(target[1])) if spec.second_person else None
    renderer = Renderer(
        camera,
        scene,
        body.faces,
        _body_colours(body, rng),
        light,
        lighting=lighting,
        extra_faces=None if passer is None else passer[0].faces,
        extra_colours=None
        if passer is None
        else _body_colours(passer[0], np.random.default_rng([spec.seed, 2])),
    )
    noise_rng = np.random.default_rng([spec.seed, 3])

    out_dir.mkdir(parents=True, exist_ok=True)
    video_path = out_dir / f"{spec.name}.mp4"
    fps = Fraction(spec.fps).limit_denominator(1001)
    with av.open(str(video_path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = spec.width, spec.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(spec.crf), "preset": "medium"}
        for i in range(len(times)):
            img = renderer.render(
                verts[i], _shadows(lms[i]), None if passer is None else passer[1][i]
            )
            if spec.noise_sigma > 0:
                noisy = img + noise_rng.normal(0.0, spec.noise_sigma, img.shape)
                img = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = 1 / fps
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    renderer.release()

    pixels = camera.project(lms)
    depth = camera.to_camera(lms)[..., 2]
    side_idx = 23 if spec.side == "left" else 24
    hip_depth = float(depth[peak, side_idx])
    ctr = np.array([0.0, 0.0, 0.9])
    doc: dict[str, object] = {
        "test": spec.test,
        "side": spec.side,
        "true_value": round(float(values["value"][peak]), 3),
        "unit": truth.UNITS[spec.test],
        "peak_frame": peak,
        "peak_time_s": round(float(times[peak]), 4),
        "true_secondary": {k: round(float(v[peak]), 3) for k, v in values.items() if k != "value"},
        "session": spec.session,
        "pair": spec.pair,
        "fps": spec.fps,
        "frame_count": len(times),
        "width": spec.width,
        "height": spec.height,
        "orientation": "portrait" if spec.height > spec.width else "landscape",
        "body": {"phenotype": spec.phenotype.as_dict(), "height_m": round(body.rest_height_m, 4)},
        "camera": {
            **camera.to_json(),
            "roll_deg": round(camera.plumb_roll_deg(ctr), 3),
            "distance_m": round(distance, 4),
            "height_m": spec.camera_height_m,
            "cm_per_px_at_measured_hip": round(100 * hip_depth / camera.focal_px, 5),
        },
        "floor_line_px": camera.project(np.array([[0.0, y_lo - 0.3, 0.0], [0.0, y_hi + 0.3, 0.0]]))
        .round(2)
        .tolist(),
        "marker": None,
        "definitions": truth.__doc__,
        "world_frame": "metres; +Z up (floor z=0), -Y = the body's forward, +X = the body's left",
        "landmark_names": list(LANDMARK_NAMES),
        "landmark_sources": "joint centres = Anny bone heads (shoulder upperarm01, "
        "elbow lowerarm01, wrist, "
        "hip upperleg01, knee lowerleg01, ankle foot); heel/foot_index/face = Anny COCO "
        "keypoints (heel, big toe); pinky/index = first knuckle (finger5-1/finger2-1), "
        "thumb = finger1-3, as MediaPipe's hand points; the true index fingertip (a surface "
        "vertex) is frames.index_fingertip_3d_m / _2d_px (left, right)",
        "spec": {
            **{
                k: v
                for k, v in asdict(spec).items()
                if k not in HARD_FIELDS or k in spec.hard_conditions()
            },
            "phenotype": spec.phenotype.as_dict(),
        },
        "peak_command_used_deg": sim.command,
        "frames": {
            "time_s": [round(float(t), 5) for t in times],
            "value": np.round(values["value"], 3).tolist(),
            **{k: np.round(v, 3).tolist() for k, v in values.items() if k != "value"},
            "landmarks_3d_m": np.round(lms, 4).tolist(),
            "landmarks_2d_px": np.round(pixels, 2).tolist(),
            "index_fingertip_3d_m": np.round(sim.fingertips, 4).tolist(),
            "index_fingertip_2d_px": np.round(camera.project(sim.fingertips), 2).tolist(),
        },
    }
    if marker_info is not None:
        corners = np.array(marker_info["corners_3d_m"])
        corners_px = camera.project(corners)
        wall_depth = float(camera.to_camera(corners).mean(axis=0)[2])
        marker_info["corners_px"] = corners_px.round(3).tolist()
        marker_info["cm_per_px_at_marker"] = round(100 * wall_depth / camera.focal_px, 5)
        doc["marker"] = marker_info
    if spec.hard_conditions():
        doc["conditions"] = truth.conditions(doc)
    doc["render_seconds"] = round(time.time() - t0, 1)
    json_path = out_dir / f"{spec.name}.json"
    json_path.write_text(json.dumps(doc, separators=(",", ":")))
    return json_path
