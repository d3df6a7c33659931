"""Headless CPU rendering of the posed body in a room with moderngl (EGL, Mesa).

Lambert + Blinn shading with a key light, ambient fill, 4x multisampling, a wooden
floor with soft contact shadows under the feet, a back wall, optional clutter, an
optional second wall (the knee-to-wall test) and an optional ArUco marker on the wall.
Hard conditions (:class:`Lighting` other than even light, a glowing window wall, a second
body) use a variant of the shader; the default path keeps the original one, so that the
committed samples render byte for byte as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tools.synth.camera import Camera

_VERTEX = """
#version 330
uniform mat4 mvp;
in vec3 in_pos; in vec3 in_norm; in vec3 in_col; in vec2 in_uv;
out vec3 v_pos; out vec3 v_norm; out vec3 v_col; out vec2 v_uv;
void main() {
    v_pos = in_pos; v_norm = in_norm; v_col = in_col; v_uv = in_uv;
    gl_Position = mvp * vec4(in_pos, 1.0);
}
"""

_FRAGMENT = """
#version 330
uniform vec3 light_dir; uniform vec3 cam_pos; uniform int mode; uniform sampler2D tex;
uniform vec4 shadows[6]; uniform float shininess;
in vec3 v_pos; in vec3 v_norm; in vec3 v_col; in vec2 v_uv;
out vec4 f_color;
float hash(float n) { return fract(sin(n) * 43758.5453); }
void main() {
    vec3 n = normalize(v_norm);
    vec3 view = normalize(cam_pos - v_pos);
    if (dot(n, view) < 0.0) n = -n;
    vec3 base = v_col;
    if (mode == 1) {  // wooden floor: planks along y with per-plank tone and grain
        float plank = floor(v_pos.x / 0.14);
        float tone = 0.85 + 0.3 * hash(plank * 7.13);
        float grain = 0.04 * sin(v_pos.y * 40.0 + hash(plank) * 50.0);
        float seam = smoothstep(0.0, 0.006, abs(fract(v_pos.x / 0.14) - 0.0)) ;
        base = v_col * (tone + grain) * (0.75 + 0.25 * seam);
    } else if (mode == 2) {
        base = texture(tex, v_uv).rgb;
    }
    float diffuse = max(dot(n, normalize(light_dir)), 0.0);
    vec3 h = normalize(normalize(light_dir) + view);
    float spec = pow(max(dot(n, h), 0.0), shininess) * 0.12;
    float sky = 0.5 + 0.5 * n.z;  // hemisphere ambient: brighter from above
    vec3 c = base * (0.28 + 0.17 * sky + 0.62 * diffuse) + vec3(spec);
    if (mode == 1) {
        float shade = 0.0;
        for (int i = 0; i < 6; i++) {
            vec2 d = v_pos.xy - shadows[i].xy;
            shade += shadows[i].w * exp(-dot(d, d) / (shadows[i].z * shadows[i].z));
        }
        c *= 1.0 - clamp(shade, 0.0, 0.7);
    }
    f_color = vec4(pow(clamp(c, 0.0, 1.0), vec3(1.0 / 1.15)), 1.0);
}
"""


#: The lit variant: a tinted key light and ambient of adjustable strength, and mode 3 for
#: emissive surfaces (a bright window behind the person).
_FRAGMENT_LIT = _FRAGMENT.replace(
    "uniform vec4 shadows[6]; uniform float shininess;",
    "uniform vec4 shadows[6]; uniform float shininess;\n"
    "uniform vec3 light_rgb; uniform float ambient; uniform float key;",
).replace(
    "    vec3 c = base * (0.28 + 0.17 * sky + 0.62 * diffuse) + vec3(spec);",
    "    vec3 c = light_rgb * (base * (ambient * (0.28 + 0.17 * sky) + key * 0.62 * diffuse)"
    " + vec3(key * spec));\n"
    "    if (mode == 3) c = base;",
)


@dataclass(frozen=True)
class Lighting:
    """Strength and colour of the light (1, 1, white = the default even light).

    Attributes
    ----------
    key : float
        Gain of the directional key light (diffuse and specular).
    ambient : float
        Gain of the hemisphere ambient fill.
    rgb : tuple of float
        Colour of all light (a warm tungsten light is about (1.0, 0.78, 0.52)).
    """

    key: float = 1.0
    ambient: float = 1.0
    rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)


def _quad(
    corner: NDArray[np.float64],
    edge_u: NDArray[np.float64],
    edge_v: NDArray[np.float64],
    colour: tuple[float, float, float],
) -> NDArray[np.float32]:
    """Two triangles spanning corner + s*edge_u + t*edge_v; rows pos, normal, colour, uv."""
    n = np.cross(edge_u, edge_v)
    n = n / np.linalg.norm(n)
    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 1], [1, 0], [0, 0]], float)
    pts = [corner + s * edge_u + (1 - t) * edge_v for s, t in uv]
    return np.array(
        [[*p, *n, *colour, s, t] for p, (s, t) in zip(pts, uv, strict=True)], np.float32
    )


def box(
    centre: tuple[float, float, float],
    size: tuple[float, float, float],
    colour: tuple[float, float, float],
) -> NDArray[np.float32]:
    """An axis-aligned box (six quads)."""
    c, s = np.asarray(centre, float), np.asarray(size, float) / 2
    ex, ey, ez = np.array([2 * s[0], 0, 0]), np.array([0, 2 * s[1], 0]), np.array([0, 0, 2 * s[2]])
    lo = c - s
    faces = [
        _quad(lo, ey, ez, colour),
        _quad(lo + ex, ez, ey, colour),
        _quad(lo, ez, ex, colour),
        _quad(lo + ey, ex, ez, colour),
        _quad(lo, ex, ey, colour),
        _quad(lo + ez, ey, ex, colour),
    ]
    return np.concatenate(faces)


@dataclass
class Scene:
    """Static geometry (float32 rows of 11: pos, normal, colour, uv) plus a marker."""

    plain: list[NDArray[np.float32]] = field(default_factory=list)
    floor: list[NDArray[np.float32]] = field(default_factory=list)
    marker_quad: NDArray[np.float32] | None = None
    marker_image: NDArray[np.uint8] | None = None  # (H, W) grey, white border included
    glow: list[NDArray[np.float32]] = field(default_factory=list)  # emissive (needs lighting)


def body_normals(vertices: NDArray[np.float64], faces: NDArray[np.int32]) -> NDArray[np.float64]:
    """Area-weighted vertex normals, (V, 3)."""
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    fn = np.cross(b - a, c - a)
    normals = np.zeros_like(vertices)
    for k in range(3):
        for d in range(3):
            normals[:, d] += np.bincount(faces[:, k], weights=fn[:, d], minlength=len(vertices))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    return normals


class Renderer:
    """Renders frames of one scene from one camera; the body mesh changes per frame."""

    def __init__(
        self,
        camera: Camera,
        scene: Scene,
        faces: NDArray[np.int32],
        body_colours: NDArray[np.float32],
        light_dir: tuple[float, float, float],
        samples: int = 4,
        lighting: Lighting | None = None,
        extra_faces: NDArray[np.int32] | None = None,
        extra_colours: NDArray[np.float32] | None = None,
    ) -> None:
        """``lighting`` switches to the lit shader; ``extra_faces``/``extra_colours`` add a
        second body (a passer-by) whose vertices are given to :meth:`render` per frame."""
        import moderngl

        self.camera = camera
        self.faces = faces
        self.ctx = moderngl.create_standalone_context(backend="egl")
        ctx = self.ctx
        lit = lighting is not None or bool(scene.glow)
        self.prog = ctx.program(
            vertex_shader=_VERTEX, fragment_shader=_FRAGMENT_LIT if lit else _FRAGMENT
        )
        if lit:
            light = lighting or Lighting()
            self.prog["light_rgb"].value = tuple(float(v) for v in light.rgb)
            self.prog["ambient"].value = float(light.ambient)
            self.prog["key"].value = float(light.key)
        size = (camera.width, camera.height)
        self.fbo_ms = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer(size, 4, samples=samples)],
            depth_attachment=ctx.depth_renderbuffer(size, samples=samples),
        )
        self.fbo = ctx.framebuffer(color_attachments=[ctx.renderbuffer(size, 4)])
        self.prog["mvp"].write(camera.gl_mvp().T.copy().tobytes())
        self.prog["cam_pos"].value = tuple(float(v) for v in camera.position)
        self.prog["light_dir"].value = light_dir
        fmt = "3f 3f 3f 2f"
        names = ("in_pos", "in_norm", "in_col", "in_uv")

        def vao(rows: NDArray[np.float32]) -> Any:
            return ctx.vertex_array(
                self.prog, [(ctx.buffer(rows.astype(np.float32).tobytes()), fmt, *names)]
            )

        self.static_plain = vao(np.concatenate(scene.plain)) if scene.plain else None
        self.static_floor = vao(np.concatenate(scene.floor))
        self.static_glow = vao(np.concatenate(scene.glow)) if scene.glow else None
        self.marker_vao = None
        if scene.marker_quad is not None and scene.marker_image is not None:
            img = np.repeat(scene.marker_image[:, :, None], 3, axis=2).copy()  # row 0 = top (t = 0)
            self.tex = ctx.texture((img.shape[1], img.shape[0]), 3, img.tobytes())
            self.tex.filter = (moderngl.LINEAR, moderngl.NEAREST)
            self.marker_vao = vao(scene.marker_quad)
        n_faces_v = len(faces) * 3
        self.body_rows = np.zeros((n_faces_v, 11), np.float32)
        self.body_rows[:, 6:9] = body_colours[faces.reshape(-1)]
        self.body_buffer = ctx.buffer(reserve=self.body_rows.nbytes)
        self.body_vao = ctx.vertex_array(self.prog, [(self.body_buffer, fmt, *names)])
        self.extra: tuple[NDArray[np.int32], NDArray[np.float32], Any, Any] | None = None
        if extra_faces is not None and extra_colours is not None:
            rows = np.zeros((len(extra_faces) * 3, 11), np.float32)
            rows[:, 6:9] = extra_colours[extra_faces.reshape(-1)]
            buffer = ctx.buffer(reserve=rows.nbytes)
            self.extra = (
                extra_faces,
                rows,
                buffer,
                ctx.vertex_array(self.prog, [(buffer, fmt, *names)]),
            )

    def render(
        self,
        vertices: NDArray[np.float64],
        shadows: NDArray[np.float64],
        extra_vertices: NDArray[np.float64] | None = None,
    ) -> NDArray[np.uint8]:
        """One frame: ``vertices`` (V, 3) world; ``shadows`` (6, 4) x, y, radius, strength;
        ``extra_vertices`` the second body's (V2, 3), when the renderer has one."""
        import moderngl

        _write_mesh(self.body_rows, self.body_buffer, vertices, self.faces)
        if self.extra is not None and extra_vertices is not None:
            _write_mesh(self.extra[1], self.extra[2], extra_vertices, self.extra[0])
        ctx = self.ctx
        self.fbo_ms.use()
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.clear(0.7, 0.7, 0.7, 1.0)
        self.prog["shadows"].write(np.asarray(shadows, np.float32).tobytes())
        self.prog["shininess"].value = 24.0
        self.prog["mode"].value = 1
        self.static_floor.render()
        self.prog["mode"].value = 0
        if self.static_plain is not None:
            self.static_plain.render()
        if self.static_glow is not None:
            self.prog["mode"].value = 3
            self.static_glow.render()
            self.prog["mode"].value = 0
        if self.marker_vao is not None:
            self.prog["mode"].value = 2
            self.tex.use(0)
            self.marker_vao.render()
            self.prog["mode"].value = 0
        self.prog["shininess"].value = 12.0
        self.body_vao.render()
        if self.extra is not None and extra_vertices is not None:
            self.extra[3].render()
        ctx.copy_framebuffer(self.fbo, self.fbo_ms)
        data = self.fbo.read(components=3)
        img = np.frombuffer(data, np.uint8).reshape(self.camera.height, self.camera.width, 3)
        return img[::-1].copy()

    def release(self) -> None:
        self.ctx.release()


def _write_mesh(
    rows: NDArray[np.float32],
    buffer: Any,
    vertices: NDArray[np.float64],
    faces: NDArray[np.int32],
) -> None:
    """Fill a body's per-corner rows (positions, normals; colours stay) and upload them."""
    normals = body_normals(vertices, faces)
    flat = faces.reshape(-1)
    rows[:, 0:3] = vertices[flat]
    rows[:, 3:6] = normals[flat]
    buffer.write(rows.tobytes())
