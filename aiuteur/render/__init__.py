"""aiuteur.render - offline, free, deterministic pictures and animatics.

* :mod:`.storyboard` draws a storyboard panel per shot with Pillow
  (:func:`render_frame`) and contact sheets (:func:`contact_sheet`).
* :mod:`.animatic` turns a start and end frame into an H.264 clip with a
  camera move and burned-in subtitle (:func:`render_clip`) and joins clips
  without re-encoding (:func:`concat_clips`).
* :mod:`.probe` inspects media with ffmpeg alone (:func:`probe`).

Everything raises :class:`RenderError` (with ffmpeg's stderr tail) when a
render fails.
"""

from .animatic import (
    CAMERA_MOVES,
    CameraMove,
    ClipJob,
    concat_clips,
    normalize_camera_move,
    render_clip,
    render_clips,
)
from .errors import RenderError
from .probe import MediaInfo, probe
from .storyboard import (
    SHOT_TYPES,
    SILHOUETTES,
    CharacterLook,
    FrameSpec,
    caption_band_height,
    character_look,
    contact_sheet,
    normalize_int_ext,
    normalize_shot_type,
    normalize_time_of_day,
    render_frame,
    save_image,
)

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
