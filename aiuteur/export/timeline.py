"""Turn the edit (a list of :class:`CutClip`) into an OTIO timeline.

The timeline is the one source every export format is written from:

* one video track, one ``Clip`` per shot, in cut order, no gaps;
* ``ExternalReference(target_url=file://localhost/...)`` (see ``media.py``)
  with ``available_range`` covering the frames known to exist in the file and
  ``source_range`` = exactly the frames used, at the cut's single rate;
* scene markers (see :func:`scene_markers`), on the first clip of every scene
  *and* on the timeline's top-level stack, because each format keeps a
  different one: the EDL only keeps clip markers (as ``* LOC`` lines, written
  at record timecode - see ``writers.edl_safe_copy``), FCP XML
  and .otio keep both (stack markers become sequence markers in XML);
* ``clip.metadata["aiuteur"]`` carries the shot id for our own round trips,
  ``clip.metadata["cmx_3600"]["reel"]`` the EDL reel (``reels.py``) and
  ``clip.metadata["fcp_xml"]["logginginfo"]`` the shot id/scene as standard
  FCP 7 logging fields, which is the only place the XML keeps ids
  (Premiere shows them as Scene / Shot/Take).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from .errors import ExportError
from .media import target_url_for_path
from .models import AudioStem, CutClip
from .rates import rate_label
from .reels import assign_reels
from .text import clean_text

__all__ = [
    "AIUTEUR_KEY",
    "SCENE_MARKER_COLOR",
    "SceneSpan",
    "build_timeline",
    "scene_spans",
    "timeline_rate",
]

#: Metadata namespace for our own ids on clips, markers and the timeline.
AIUTEUR_KEY = "aiuteur"

#: One colour for every scene marker, so editors can tell them from their own.
SCENE_MARKER_COLOR = otio.schema.MarkerColor.GREEN


@dataclass(frozen=True)
class SceneSpan:
    """A run of consecutive clips from the same scene (a scene boundary
    starts a new span, so a scene that comes back later gets a new one)."""

    scene_number: int
    heading: str
    first_index: int
    start_frame: int  # record frame in the timeline
    frames: int


def scene_spans(clips: Sequence[CutClip]) -> list[SceneSpan]:
    """Group consecutive clips by scene number, in cut order."""
    spans: list[SceneSpan] = []
    record = 0
    for index, clip in enumerate(clips):
        if spans and spans[-1].scene_number == clip.scene_number:
            last = spans[-1]
            spans[-1] = SceneSpan(
                last.scene_number, last.heading, last.first_index,
                last.start_frame, last.frames + clip.frames,
            )
        else:
            spans.append(
                SceneSpan(clip.scene_number, clip.scene_heading, index, record, clip.frames)
            )
        record += clip.frames
    return spans


def _marker_name(span: SceneSpan) -> str:
    return span.heading or f"SCENE {span.scene_number}"


def _marker_metadata(span: SceneSpan) -> dict[str, Any]:
    # "comment" is a standard FCP 7 marker field, so the XML keeps the scene
    # number even though it drops our own namespace.
    return {
        AIUTEUR_KEY: {"kind": "scene", "scene_number": span.scene_number},
        "fcp_xml": {"comment": f"Scene {span.scene_number}"},
    }


def _otio_value(value: Any, where: str) -> Any:
    """Convert ``value`` to something OTIO metadata can hold (JSON-like)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return _otio_value(value.value, where)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _otio_value(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_otio_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ExportError(
        f"metadata value at {where} has type {type(value).__name__}, which OTIO "
        "cannot store; use str/int/float/bool/None/list/dict"
    )


def _check_clips(clips: Sequence[CutClip], check_media: bool) -> float:
    """Validate the cut as a whole and return its single rate."""
    if not clips:
        raise ExportError("cannot export an empty cut: the clip list has no shots")
    rates = {clip.rate for clip in clips}
    if len(rates) != 1:
        found = ", ".join(sorted(rate_label(r) for r in rates))
        raise ExportError(
            f"all shots in a cut must share one frame rate (EDL and XML sequences "
            f"have one rate); found {found} - conform the renders first"
        )
    media_by_shot: dict[str, str] = {}
    for clip in clips:
        seen = media_by_shot.setdefault(clip.shot_id, str(clip.media_path))
        if seen != str(clip.media_path):
            raise ExportError(
                f"shot {clip.shot_id} appears with two media files ({seen} and "
                f"{clip.media_path}); an EDL reel must name one source"
            )
        if check_media and not clip.media_path.is_file():
            raise ExportError(
                f"media for shot {clip.shot_id} does not exist", path=clip.media_path
            )
    return rates.pop()


def _make_clip(clip: CutClip, rate: float, reel: str) -> otio.schema.Clip:
    reference = otio.schema.ExternalReference(
        target_url=target_url_for_path(clip.media_path),
        available_range=TimeRange(
            RationalTime(0, rate), RationalTime(clip.available_frames, rate)
        ),
    )
    # A readable file name in the XML <file><name> instead of the URL's
    # percent-encoded basename.
    reference.name = clip.media_path.name
    aiuteur_md = {
        **_otio_value(clip.metadata, f"shot {clip.shot_id} metadata"),
        "shot_id": clip.shot_id,
        "scene_number": clip.scene_number,
        "scene_heading": clip.scene_heading,
    }
    logging_info = {
        "description": clip.scene_heading,
        "scene": str(clip.scene_number),
        "shottake": clip.shot_id,
    }
    return otio.schema.Clip(
        name=clip.display_name,
        media_reference=reference,
        source_range=TimeRange(
            RationalTime(clip.source_start_frame, rate), RationalTime(clip.frames, rate)
        ),
        metadata={
            AIUTEUR_KEY: aiuteur_md,
            "cmx_3600": {"reel": reel},
            "fcp_xml": {"logginginfo": logging_info},
        },
    )


def build_timeline(
    clips: list[CutClip],
    name: str,
    *,
    film_metadata: dict | None = None,
    check_media: bool = True,
    audio: list[AudioStem] | None = None,
) -> otio.schema.Timeline:
    """Build the cut as an OTIO timeline (see the module docstring for layout).

    ``audio``: sound stems, each laid on its own audio track (A1, A2...) from
    the cut's first frame, after the video track.

    ``check_media`` (default on) makes a missing render an :class:`ExportError`
    here, instead of an offline clip in the editor later.  Raises
    :class:`ExportError` for an empty cut, mixed rates, or one shot id mapped
    to two media files.
    """
    rate = _check_clips(clips, check_media)
    reels = assign_reels(clip.shot_id for clip in clips)

    timeline = otio.schema.Timeline(name=clean_text(name))
    timeline.global_start_time = RationalTime(0, rate)
    timeline.metadata[AIUTEUR_KEY] = _otio_value(dict(film_metadata or {}), "film_metadata")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)

    otio_clips = [_make_clip(clip, rate, reels[clip.shot_id]) for clip in clips]
    for span in scene_spans(clips):
        first = otio_clips[span.first_index]
        # Clip markers live in the clip's media time: the first used frame.
        first.markers.append(
            otio.schema.Marker(
                name=_marker_name(span),
                marked_range=TimeRange(
                    first.source_range.start_time, RationalTime(0, rate)
                ),
                color=SCENE_MARKER_COLOR,
                metadata=_marker_metadata(span),
            )
        )
        # Timeline markers live in timeline time and span the whole scene run.
        timeline.tracks.markers.append(
            otio.schema.Marker(
                name=_marker_name(span),
                marked_range=TimeRange(
                    RationalTime(span.start_frame, rate), RationalTime(span.frames, rate)
                ),
                color=SCENE_MARKER_COLOR,
                metadata=_marker_metadata(span),
            )
        )
    track.extend(otio_clips)
    for number, stem in enumerate(audio or [], start=1):
        timeline.tracks.append(_audio_track(number, stem, rate, check_media))
    return timeline


def _audio_track(number: int, stem: AudioStem, rate: float, check_media: bool) -> otio.schema.Track:
    """Track ``A<number> <name>`` holding the stem as one clip over the whole cut."""
    if check_media and not stem.media_path.is_file():
        raise ExportError(f"the {stem.name} stem does not exist", path=stem.media_path)
    length = RationalTime(stem.frames, rate)
    reference = otio.schema.ExternalReference(
        target_url=target_url_for_path(stem.media_path),
        available_range=TimeRange(RationalTime(0, rate), length),
    )
    reference.name = stem.media_path.name
    clip = otio.schema.Clip(
        name=clean_text(stem.name), media_reference=reference, source_range=TimeRange(RationalTime(0, rate), length),
        metadata={AIUTEUR_KEY: {"stem": stem.name}},
    )
    track = otio.schema.Track(name=f"A{number} {clean_text(stem.name)}", kind=otio.schema.TrackKind.Audio)
    track.append(clip)
    return track


def timeline_rate(timeline: otio.schema.Timeline) -> float:
    """The rate of the cut: the rate of the first clip on the video track."""
    tracks = timeline.video_tracks()
    if not tracks:
        raise ExportError(f"timeline {timeline.name!r} has no video track")
    for item in tracks[0]:
        if isinstance(item, otio.schema.Clip):
            return item.trimmed_range().duration.rate
    raise ExportError(f"timeline {timeline.name!r} has no clips on its video track")
