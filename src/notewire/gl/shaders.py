"""GLSL ES 3.00 programs of the high-level marks. `view` maps data minus origin to clip
space (vec4: scale x, y, offset x, y); `camera` is a 3-D projection x view matrix."""

POINTS_VERTEX = """
in vec2 a_pos;
#ifdef VALUE
in float a_value;
uniform sampler2D u_cmap;
#endif
#ifdef SIZE
in float a_size;
#endif
uniform vec4 u_view;
uniform vec4 u_color;
uniform float u_size;
uniform float u_pixel_ratio;
out vec4 v_color;
void main() {
  gl_Position = vec4(a_pos * u_view.xy + u_view.zw, 0.0, 1.0);
#ifdef SIZE
  gl_PointSize = a_size * u_pixel_ratio;
#else
  gl_PointSize = u_size * u_pixel_ratio;
#endif
#ifdef VALUE
  v_color = vec4(texture(u_cmap, vec2(clamp(a_value, 0.0, 1.0), 0.5)).rgb, u_color.a);
#else
  v_color = u_color;
#endif
}
"""

POINTS_FRAGMENT = """
precision mediump float;
in vec4 v_color;
out vec4 color;
void main() {
  vec2 d = gl_PointCoord - 0.5;
  float r = dot(d, d);
  if (r > 0.25) discard;
  color = v_color;
}
"""

LINE_VERTEX = """
in vec2 a_pos;
uniform vec4 u_view;
void main() { gl_Position = vec4(a_pos * u_view.xy + u_view.zw, 0.0, 1.0); }
"""

FLAT_FRAGMENT = """
precision mediump float;
uniform vec4 u_color;
out vec4 color;
void main() { color = u_color; }
"""

# An image or an aggregate: a quad with texture coordinates, values through a colour
# map (`CMAP`) or colours as they are.
IMAGE_VERTEX = """
in vec2 a_pos;
in vec2 a_uv;
uniform vec4 u_view;
out vec2 v_uv;
void main() {
  gl_Position = vec4(a_pos * u_view.xy + u_view.zw, 0.0, 1.0);
  v_uv = a_uv;
}
"""

IMAGE_FRAGMENT = """
precision highp float;
uniform sampler2D u_image;
#ifdef CMAP
uniform sampler2D u_cmap;
#endif
in vec2 v_uv;
out vec4 color;
void main() {
  vec4 t = texture(u_image, v_uv);
#ifdef EMPTY
  if (t.r <= 0.0) discard;  // an empty bin of an aggregate
#endif
#ifdef CMAP
  color = texture(u_cmap, vec2(t.r, 0.5));
#else
  color = t;
#endif
}
"""

MESH_VERTEX = """
in vec3 a_pos;
in vec3 a_normal;
uniform mat4 u_camera;
out vec3 v_normal;
out vec3 v_pos;
void main() {
  gl_Position = u_camera * vec4(a_pos, 1.0);
  v_normal = a_normal;
  v_pos = a_pos;
}
"""

MESH_FRAGMENT = """
precision highp float;
uniform vec4 u_color;
uniform vec3 u_eye;
in vec3 v_normal;
in vec3 v_pos;
out vec4 color;
void main() {
  vec3 n = normalize(v_normal);
  vec3 l = normalize(u_eye - v_pos);
  float diffuse = abs(dot(n, l));
  vec3 h = normalize(l + l);
  float spec = pow(max(abs(dot(n, h)), 0.0), 40.0) * 0.25;
  color = vec4(u_color.rgb * (0.25 + 0.75 * diffuse) + spec, u_color.a);
}
"""


def variant(source: str, *defines: str) -> str:
    """`source` with `#define NAME` lines for the features it should have."""
    return "".join(f"#define {d}\n" for d in defines) + source
