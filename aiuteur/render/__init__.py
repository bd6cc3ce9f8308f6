"""aiuteur.render - offline, free, deterministic pictures and animatics (docs/render.md).

* :mod:`.storyboard` draws a storyboard panel per shot with Pillow
  (:func:`render_frame`) from modules split by idea (vocabulary, looks, lighting,
  backdrops, figures, framing, inserts, panel text); :mod:`.sheets` makes
  contact sheets (:func:`contact_sheet`) and writes images atomically.
* :mod:`.animatic` turns a start and end frame into an H.264 clip with a
  camera move (:mod:`.camera`) and burned-in subtitle (:mod:`.subtitles`)
  (:func:`render_clip`), made as yuv420p planes (:mod:`.planes`) piped into
  one encoder (:mod:`.encode`); :mod:`.concat` joins clips without
  re-encoding (:func:`concat_clips`).
* :mod:`.probe` inspects media with ffmpeg alone (:func:`probe`).

Everything raises :class:`RenderError` (with ffmpeg's stderr tail) when a
render fails.

The names below are imported when first used (PEP 562), so ``from aiuteur.render import
RenderError`` does not load Pillow: the CLI imports it at start-up and must start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import RenderError
from .probe import MediaInfo, probe  # eager: `probe` is also the submodule's name, which an import would set here

#: public name -> the module that defines it
_WHERE = {
    "CAMERA_MOVES": "camera", "CameraMove": "camera", "normalize_camera_move": "camera",
    "ClipJob": "animatic", "render_clip": "animatic", "render_clips": "animatic",
    "concat_clips": "concat",
    "SILHOUETTES": "looks", "CharacterLook": "looks", "character_look": "looks",
    "FrameSpec": "spec",
    "caption_band_height": "panel_text",
    "render_frame": "storyboard",
    "contact_sheet": "sheets", "save_image": "sheets",
    "SHOT_TYPES": "vocabulary", "normalize_int_ext": "vocabulary", "normalize_shot_type": "vocabulary",
    "normalize_time_of_day": "vocabulary",
}

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .animatic import ClipJob, render_clip, render_clips
    from .camera import CAMERA_MOVES, CameraMove, normalize_camera_move
    from .concat import concat_clips
    from .sheets import contact_sheet, save_image
    from .looks import SILHOUETTES, CharacterLook, character_look
    from .panel_text import caption_band_height
    from .spec import FrameSpec
    from .storyboard import render_frame
    from .vocabulary import SHOT_TYPES, normalize_int_ext, normalize_shot_type, normalize_time_of_day


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "CAMERA_MOVES",
    "CameraMove",
    "CharacterLook",
    "ClipJob",
    "FrameSpec",
    "MediaInfo",
    "RenderError",
    "SHOT_TYPES",
    "SILHOUETTES",
    "caption_band_height",
    "character_look",
    "concat_clips",
    "contact_sheet",
    "normalize_camera_move",
    "normalize_int_ext",
    "normalize_shot_type",
    "normalize_time_of_day",
    "probe",
    "render_clip",
    "render_clips",
    "render_frame",
    "save_image",
]
