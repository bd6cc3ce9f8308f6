"""Offline storyboard panels drawn with Pillow.

Why this exists: before any paid image model is called, aiuteur must show the
whole film as readable panels - where we are, when, who is in shot, how big,
and what happens - for free and deterministically. Every panel is a pure
function of its :class:`FrameSpec`: random choices come from a stable hash of
the spec's text (blake2b, never ``hash()`` or global ``random``), so the same
spec gives the same pixels on every run, and a character or location looks the
same in every shot it appears in.

Drawing is done at 2x and downsampled (cheap anti-aliasing); text is drawn
afterwards at the final size so it stays crisp.

The drawing is split by idea: :mod:`.vocabulary` (spellings), :mod:`.seeded` (stable choices),
:mod:`.looks` and :mod:`.spec` (what to draw), :mod:`.lighting`, :mod:`.locations`,
:mod:`.exteriors`, :mod:`.interiors`, :mod:`.backdrops`,
:mod:`.figures`, :mod:`.framing` and :mod:`.inserts` (the scene), :mod:`.panel_text` (chips,
header and caption) and :mod:`.sheets`. This module composes a panel from them and keeps
the names other modules import from ``aiuteur.render.storyboard``.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from .backdrops import draw_backdrop, draw_int_ext_frame
from .canvas import SUPERSAMPLE, Canvas
from .sheets import contact_sheet, save_image
from .figures import composite_figure, draw_figure
from .framing import LENS, place_figures
from .inserts import draw_insert
from .lighting import LIGHTS
from .looks import SILHOUETTES, CharacterLook, character_look
from .panel_text import caption_band_height, draw_caption, draw_header, draw_labels, header_plan, panel_metrics
from .spec import FrameSpec
from .vocabulary import SHOT_TYPES, normalize_int_ext, normalize_shot_type, normalize_time_of_day

__all__ = [
    "SHOT_TYPES",
    "SILHOUETTES",
    "CharacterLook",
    "FrameSpec",
    "caption_band_height",
    "character_look",
    "contact_sheet",
    "normalize_int_ext",
    "normalize_shot_type",
    "normalize_time_of_day",
    "render_frame",
    "save_image",
]


def render_frame(spec: FrameSpec) -> Image.Image:
    """Draw the storyboard panel for ``spec`` as an RGB image of spec.width x spec.height.

    Deterministic: the same spec always yields identical pixels.
    """
    W, H = spec.width, spec.height
    m = panel_metrics(W, H)
    pic_h = H - m.band_h
    cv = Canvas(W * SUPERSAMPLE, H * SUPERSAMPLE, pic_h * SUPERSAMPLE, (header_plan(spec, m, W).bottom + 2) * SUPERSAMPLE)
    light = LIGHTS[normalize_time_of_day(spec.time_of_day)]

    scene = draw_backdrop(cv, spec)
    zoom, blur = LENS[spec.shot_type]
    if zoom > 1.0:  # tighter shots see less backdrop, out of focus
        cw, ch = cv.w / zoom, cv.h / zoom
        x0 = (cv.w - cw) / 2
        y0 = (cv.pic_h * 0.5) - ch * 0.5
        y0 = max(0.0, min(cv.h - ch, y0))
        box = (x0, y0, x0 + cw, y0 + ch)
        if blur > 0:  # out of focus: cropped straight to quarter size, blurred there, scaled back up
            small = scene.resize((cv.w // 4, cv.h // 4), Image.Resampling.BILINEAR, box=box)
            scene = small.filter(ImageFilter.GaussianBlur(blur * cv.h / 4)).resize((cv.w, cv.h),
                                                                                   Image.Resampling.BILINEAR)
        else:
            scene = scene.resize((cv.w, cv.h), Image.Resampling.BILINEAR, box=box)

    if spec.int_ext == "INT/EXT" and spec.shot_type != "insert":
        # the opening we look through is near the camera: drawn after the lens, in focus
        draw_int_ext_frame(scene, cv, light, spec.location)

    figs = place_figures(spec, cv)
    if spec.shot_type == "insert":
        draw_insert(scene, cv, spec, light)
    if spec.shot_type in ("establishing", "wide"):
        shadow = Image.new("L", scene.size, 0)
        sd = ImageDraw.Draw(shadow)
        for f in figs:
            feet = f.top + f.height
            r = f.height * 0.22
            sd.ellipse((f.cx - r, feet - r * 0.18, f.cx + r, feet + r * 0.18), fill=110)
        scene.paste((0, 0, 0), (0, 0), shadow.filter(ImageFilter.GaussianBlur(SUPERSAMPLE * 2)))
    # back-facing (foreground) figures last so they overlap the others
    for f in sorted(figs, key=lambda f: (f.back, f.height)):
        layer = draw_figure(f, scene.size)
        composite_figure(scene, layer, outline_px=SUPERSAMPLE * (1 if f.height < cv.pic_h else 2))

    # the supersampled scene down to the panel: a box average of each SUPERSAMPLE^2 block (what
    # supersampling means) is a fifth of a Lanczos resize's time
    img = scene.reduce(SUPERSAMPLE)
    img = img.convert("RGBA")
    draw_labels(img, figs, spec, m, pic_h)
    draw_header(img, spec, m)
    draw_caption(img, spec, m)
    return img.convert("RGB")
