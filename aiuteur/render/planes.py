"""Animatic frames made as the encoder takes them: yuv420p planes, one luma and two quarter chroma.

Why: at 1080p the animatic's cost is resampling every frame for the camera move. Pillow keeps an
RGB picture as four bytes a pixel; a yuv420p frame is one and a half. So each pose is converted
once per clip (BT.601, limited range: what ffmpeg's own rgb24 -> yuv420p conversion gives, so the
clip looks as before) and every frame is resampled plane by plane, only where it is seen:

* rows under an opaque subtitle band, or in a held caption band, are not resampled: they are the
  same bytes every frame;
* a frame whose camera and pose did not change is the previous frame's bytes again;
* the encoder reads raw yuv420p, so ffmpeg converts nothing either.

Plane sizes: luma ``w x h``, chroma ``w/2 x h/2`` (the frame size is even). Band heights are
rounded up to even rows so a band starts on a chroma row.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from .camera import STILL, Camera, view

__all__ = ["PlaneFrames", "Planes", "even_up", "to_planes"]

# BT.601 full range (Pillow's YCbCr) to limited range (ITU-R BT.601 "studio swing": Y 16..235, Cb/Cr 16..240)
_LUMA_TO_LIMITED = [round(16 + v * 219 / 255) for v in range(256)]
_CHROMA_TO_LIMITED = [round(128 + (v - 128) * 224 / 255) for v in range(256)]


def even_up(value: int) -> int:
    """``value`` rounded up to an even number (a band starting on a chroma row)."""
    return int(value) + int(value) % 2


@dataclass(frozen=True)
class Planes:
    """One picture as three 8-bit planes ("L" images): luma and the two half-size chroma planes."""

    y: Image.Image
    u: Image.Image
    v: Image.Image

    def __iter__(self) -> Iterator[Image.Image]:
        return iter((self.y, self.u, self.v))

    def blend(self, other: Planes, k: float) -> Planes:
        """Cross-fade towards ``other`` by ``k`` (0..1), plane by plane (the conversion is linear)."""
        return Planes(*(Image.blend(a, b, k) for a, b in zip(self, other)))

    def tobytes(self) -> bytes:
        return self.y.tobytes() + self.u.tobytes() + self.v.tobytes()


def to_planes(img: Image.Image) -> Planes:
    """An RGB picture (even width and height) as BT.601 limited-range yuv420p planes; chroma is
    the mean of each 2x2 block. Pillow's YCbCr is BT.601 full range; a lookup table maps it to
    the limited range ffmpeg uses for yuv420p (within one level of converting directly)."""
    rgb = img.convert("RGB")
    y = rgb.convert("YCbCr").getchannel(0).point(_LUMA_TO_LIMITED)
    _, u, v = rgb.reduce(2).convert("YCbCr").split()
    return Planes(y, u.point(_CHROMA_TO_LIMITED), v.point(_CHROMA_TO_LIMITED))


class PlaneFrames:
    """Frames of one clip as yuv420p bytes: a pose (or a blend of two) under the camera.

    The camera looks at the top ``picture_rows`` of the pose (the rest is a caption band held
    still) and only the top ``moving_rows`` of its view are made; the rows below come from
    ``cover`` (an opaque subtitle band over the frame) or else from the pose itself. ``overlay``
    is a translucent RGBA box pasted at ``overlay_at`` on every frame (a floating subtitle).
    All row counts are even.
    """

    def __init__(self, size: tuple[int, int], *, picture_rows: int, moving_rows: int, cover: Planes | None = None,
                 overlay: Image.Image | None = None, overlay_at: tuple[int, int] = (0, 0)) -> None:
        w, h = size
        if w % 2 or h % 2 or picture_rows % 2 or moving_rows % 2 or not 0 < moving_rows <= picture_rows <= h:
            raise ValueError(f"frame {w}x{h}: picture rows {picture_rows} and moving rows {moving_rows} must be "
                             "even and 0 < moving <= picture <= height")
        self.size, self.picture_rows, self.moving_rows, self.cover = size, picture_rows, moving_rows, cover
        self.overlay: tuple[Planes, Image.Image, Image.Image, tuple[int, int]] | None = None
        if overlay is not None:
            ow, oh = overlay.size
            box = overlay.crop((0, 0, ow - ow % 2, oh - oh % 2))
            colours = to_planes(Image.alpha_composite(Image.new("RGBA", box.size, (0, 0, 0, 255)), box))
            alpha = box.getchannel("A")
            at = (overlay_at[0] // 2 * 2, overlay_at[1] // 2 * 2)  # on a chroma sample
            self.overlay = (colours, alpha, alpha.reduce(2), at)
        self._last: tuple[object, Camera, bytes] | None = None
        self._passes: dict[tuple[object, ...], Image.Image] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiuteur-luma")

    def frame(self, pose: Planes, pose_key: object, camera: Camera) -> bytes:
        """The frame's bytes; ``pose_key`` names the pose, so a still camera on the same pose gives
        the previous frame's bytes again without making them. Luma is made on a worker thread while
        the chroma planes are made here (Pillow lets go of the GIL while it resamples)."""
        if self._last is not None and camera == STILL and self._last[1] == STILL and self._last[0] == pose_key:
            return self._last[2]
        below = self.cover if self.cover is not None else pose
        luma = self._pool.submit(self._plane, 0, pose.y, below.y, pose_key, camera)
        u = self._plane(1, pose.u, below.u, pose_key, camera)
        v = self._plane(2, pose.v, below.v, pose_key, camera)
        data = b"".join((luma.result(), u, v))
        self._last = (pose_key, camera, data)
        return data

    def close(self) -> None:
        """Stop the worker thread."""
        self._pool.shutdown(wait=True)

    def _plane(self, n: int, plane: Image.Image, under: Image.Image, pose_key: object, camera: Camera) -> bytes:
        """One plane of a frame (0 luma, 1 and 2 chroma at half size) as bytes."""
        w, h = self.size
        s = 1 if n == 0 else 2
        pw, ph, pic, rows = w // s, h // s, self.picture_rows // s, self.moving_rows // s
        moving = self._view(plane, pose_key, n, (pw, pic), rows, camera)
        if self.overlay is None:
            return moving.tobytes() + (under.crop((0, rows, pw, ph)).tobytes() if rows < ph else b"")
        whole = under.copy()
        whole.paste(moving, (0, 0))
        colours, alpha, alpha_half, (x, y) = self.overlay
        whole.paste(list(colours)[n], (x // s, y // s), alpha if n == 0 else alpha_half)
        return whole.tobytes()

    def _view(self, plane: Image.Image, pose_key: object, n: int, picture: tuple[int, int], rows: int,
              camera: Camera) -> Image.Image:
        """The camera's view of a plane's picture area, top ``rows`` rows.

        A pan (or tilt) keeps its zoom and its other axis: the resampling along that axis is the
        same in every frame, so it is done once per pose and each frame only resamples along the
        axis that moves (half the work). Zooms resample both axes every frame. All bilinear.
        """
        pw, pic = picture
        src = plane if pic == plane.height else plane.crop((0, 0, pw, pic))
        zoom, dx, dy, roll = camera
        axis = "x" if dy == 0.0 and dx != 0.0 else "y" if dx == 0.0 and dy != 0.0 else None
        resample = Image.Resampling.BILINEAR  # a third cheaper than bicubic, and as sharp at <= 1.18x
        if roll != 0.0 or axis is None or not isinstance(pose_key, str):
            return view(src, *camera, rows=rows, resample=resample)
        cw, ch = pw / zoom, pic / zoom
        key = (pose_key, n, axis, zoom, rows)
        fixed = self._passes.get(key)
        if axis == "x":  # rows are fixed: resample vertically once, then horizontally per frame
            y0 = (pic - ch) / 2
            if fixed is None:
                fixed = self._passes[key] = src.resize((pw, rows), resample, box=(0, y0, pw, y0 + ch * rows / pic))
            x0 = min(max(0.0, pw / 2 + dx * pw - cw / 2), pw - cw)
            return fixed.resize((pw, rows), resample, box=(x0, 0, x0 + cw, rows))
        x0 = (pw - cw) / 2  # columns are fixed: resample horizontally once, then vertically per frame
        if fixed is None:
            fixed = self._passes[key] = src.resize((pw, pic), resample, box=(x0, 0, x0 + cw, pic))
        y0 = min(max(0.0, pic / 2 + dy * pic - ch / 2), pic - ch)
        return fixed.resize((pw, rows), resample, box=(0, y0, pw, y0 + ch * rows / pic))
