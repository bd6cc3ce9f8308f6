"""Read a written FCP 7 XML or FCP X XML back with ElementTree directly, to check it: its cut and its
media references.

Reading these files back through their OTIO adapters transcribes the whole XML into OTIO (every
element's fields as metadata dictionaries, rates, ranges, markers; the FCP X adapter also looks each
asset and format up by a search of the resources) only for the package to keep, per clip, a name, a
length in frames and a URL: 1.2-1.4 CPU s (``fcp_xml``) and 0.9-1.5 CPU s (``fcpx_xml``) for 600 clips,
against ~0.12 and ~0.06 s here. Here the same three things are read from the elements that hold them,
as the adapters read them.

FCP 7 (``.xml``, otio-fcp-adapter):

* the one ``sequence`` (at the root, or in a project's or bin's ``children``: where the adapter looks;
  more than one would be more than one timeline, which the adapter-based check refuses too), at the
  cut's rate: ``timebase`` and ``ntsc``, inherited from the sequence down to each clip and its file;
* its ``media``'s tracks in the file's order (video, then audio: the adapter's track order; the second
  channel of an exploded stereo pair is skipped, as the adapter skips it). The first video track is the
  cut: each ``clipitem`` is ``(name, end - start)``, a stretch of the track between two clips
  ``("<gap>", frames)``, as :func:`readback.summarize_cut` reads the adapter's gaps;
* each clip's ``file`` (or the earlier ``file`` of the same ``id`` it refers back to, the adapter's
  back-reference for a media file used twice): its ``pathurl``, verbatim, is the clip's media
  reference (None without one, as the adapter's missing reference), and the clip's ``in`` plus its
  length must lie within the file's ``duration``.

FCP X (``.fcpxml``, otio-fcpx-xml-adapter):

* the one ``project`` and its ``sequence``, at the cut's rate (its format's ``frameDuration``);
* its ``spine``, read in order: each ``clip`` (whose ``video`` names its asset) is ``(name, frames)``,
  each ``gap`` and each hole between one item's end and the next one's ``offset`` a ``("<gap>",
  frames)`` before the next clip (the adapter reads a gap where a clip's offset is past the track's
  end, and none after the last clip; it truncates that offset to frames in floating point, which can
  read a gap a frame short: here a gap is read at its exact length, and our cuts have none). Times
  are exact fractions of a second, so ``113/25s`` at 25 fps is 113 frames, as ``Exporter.read`` reads
  them (``exporters._exact_fcpx_time``);
* the sound stems are connected clips (``lane`` -1, -2...; an ``audio`` in a ``gap``), one track per
  lane, and the references list the tracks in the adapter's order: lanes sorted by their text
  (``-1``, ``-2``, ... then the spine's ``0``), so the stems come before the picture;
* each ``ref`` names an asset of the ``resources``: its ``src``, verbatim, is the clip's media
  reference (None when empty, as the adapter's missing reference), and the clip's ``start`` plus its
  ``duration`` must lie within the asset's ``start`` and ``duration``.

The structure is the one the adapters write for our cuts: anything else (a transition, a generator,
a nested sequence or compound clip, overlapping clips, a clipitem repeating an earlier one by its
``id``, a time off the frame grid, a clip with no length or longer than its media, a reference to an
asset or file the XML does not define, another frame rate) is refused with an :class:`ExportError`
saying which clip, instead of being read around.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

from .errors import ExportError
from .rates import rate_label
from .readback import CutReading

__all__ = ["read_fcp7_cut", "read_fcpx_cut"]

#: How far a sequence's, track's, clip's or file's rate may be from the cut's (floats of exact fractions).
_RATE_TOLERANCE = 1e-6

#: The elements otio-fcpx-xml-adapter makes a clip of, wherever they are in the sequence.
_FCPX_COMPOSABLES = ("video", "audio", "ref-clip", "asset-clip")

Reference = tuple[str, str | None]  # a clip's name and media URL


def read_fcp7_cut(path: Path, rate: float) -> CutReading:
    """The FCP 7 XML's picture cut (name, frames per item) and every clip's (name, URL), in the order
    the adapter-based read-back gives them. Raises :class:`ExportError` when the file does not hold a
    cut as we write it."""
    return _read(Path(path), _Fcp7Reading(Path(path).name, rate))


def read_fcpx_cut(path: Path, rate: float) -> CutReading:
    """The FCP X XML's picture cut and references, as :func:`read_fcp7_cut` gives the FCP 7 XML's."""
    return _read(Path(path), _FcpxReading(Path(path).name, rate))


def _read(path: Path, reading: "_Fcp7Reading | _FcpxReading") -> CutReading:
    root = _parse(path)
    try:
        return reading.read(root)
    except ExportError as exc:  # raised by the walk, which names the file but does not hold its path
        exc.path = exc.path or path
        raise


def _parse(path: Path) -> ET.Element:
    """The file's root element; a file that is not well-formed XML is an :class:`ExportError`, not a
    ``ParseError``."""
    if not path.is_file():
        raise ExportError(f"export file {path.name} does not exist", path=path)
    try:
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError, ValueError) as exc:
        raise ExportError(f"cannot read {path.name} back as XML: {type(exc).__name__}: {exc}", path=path) from exc


def _rate_text(value: float | None) -> str:
    return "no rate" if value is None else f"{rate_label(value)} fps"


# -- FCP 7 ------------------------------------------------------------------------------------------------
class _Fcp7Reading:
    """One walk of an FCP 7 XML: the ids seen so far (the adapter's back-references) and what it found."""

    def __init__(self, file: str, rate: float) -> None:
        self.file = file
        self.rate = rate
        self.ids: dict[str, ET.Element] = {}
        self.cut: list[tuple[str, int]] = []
        self.references: list[Reference] = []

    def _derefed(self, element: ET.Element) -> ET.Element:
        """The element, or the first one of its ``id`` (an element written again as ``<file id=".."/>``
        stands for the first one), as the adapter dereferences them, in the same order."""
        ident = element.get("id")
        return element if ident is None else self.ids.setdefault(ident, element)

    def read(self, root: ET.Element) -> CutReading:
        sequences = [*root.iterfind("sequence"), *root.iterfind(".//children/sequence")]
        if len(sequences) != 1:
            raise ExportError(f"{self.file} holds {len(sequences)} sequences, expected one timeline")
        sequence = self._derefed(sequences[0])
        context = [sequence]
        self._check_rate(context, f"{self.file}: the sequence")
        media = sequence.find("media")
        if media is None:
            raise ExportError(f"{self.file}: the sequence has no media (no tracks)")
        context.append(self._derefed(media))
        counts = {"video": 0, "audio": 0}
        for kind_element in context[-1]:
            kind_element = self._derefed(kind_element)
            kind = kind_element.tag.lower()
            if kind not in counts:
                continue
            for track in kind_element.iterfind("track"):
                track = self._derefed(track)
                if kind == "audio" and not _primary_audio_channel(track):
                    continue
                counts[kind] += 1
                label = f"{kind[0].upper()}{counts[kind]}"
                self._read_track(track, context, label, is_cut=(label == "V1"))
        if not counts["video"]:
            raise ExportError(f"{self.file} has no video track")
        return CutReading(cut=self.cut, references=self.references)

    def _read_track(self, track: ET.Element, parent: list[ET.Element], label: str, is_cut: bool) -> None:
        """A track's clip items in order: each one's reference and, on the cut's track, its length and
        the gap before it."""
        context = [*parent, track]
        self._check_rate(context, f"{self.file}: track {label}")
        end_of_previous = 0
        index = 0
        for child in track:
            if child.tag not in ("clipitem", "generatoritem", "transitionitem"):
                continue  # the track's own fields (enabled, locked...)
            index += 1
            where = f"{self.file}: item {index} of track {label}"
            if child.tag != "clipitem":
                raise ExportError(f"{where} is a {child.tag}, expected a clipitem")
            item = self._derefed(child)
            if item is not child:
                raise ExportError(f"{where} repeats {child.get('id')} instead of placing a clip of its own")
            name = _text(item.find("name"))
            where = f"{where} ({name})"
            start, frames = self._timing(item, [*context, item], where)
            if start < end_of_previous:
                raise ExportError(f"{where} starts at frame {start}, before the item before it ends "
                                  f"(frame {end_of_previous})")
            if is_cut:
                if start > end_of_previous:
                    self.cut.append(("<gap>", start - end_of_previous))
                self.cut.append((name, frames))
            end_of_previous = start + frames
            self.references.append((name, self._media(item, [*context, item], frames, where)))

    def _timing(self, item: ET.Element, context: list[ET.Element], where: str) -> tuple[int, int]:
        """(start on the track, frames) of a clip: ``end - start``, which its ``duration`` and its
        ``out - in`` must say too."""
        self._check_rate(context, where)
        start, end = _whole(item, "start", where), _whole(item, "end", where)
        frames = end - start
        if start < 0 or frames <= 0:
            raise ExportError(f"{where} runs from frame {start} to {end}: it has no duration")
        duration = _whole(item, "duration", where)
        in_, out = _whole(item, "in", where), _whole(item, "out", where)
        if duration != frames or out - in_ != frames:
            raise ExportError(f"{where} lasts {frames} frames from its start to its end, but its duration "
                              f"says {duration} and its in and out {out - in_}")
        return start, frames

    def _media(self, item: ET.Element, context: list[ET.Element], frames: int, where: str) -> str | None:
        """The clip's media URL (its file's ``pathurl``), once its frames are known to be the file's."""
        if item.find("sequence") is not None:
            raise ExportError(f"{where} is a nested sequence, expected a clip of a media file")
        element = item.find("file")
        if element is None:
            raise ExportError(f"{where} has no file")
        file = self._derefed(element)
        if not len(file):
            raise ExportError(f"{where} refers to file {element.get('id')!r}, which the XML does not define")
        self._check_rate([*context, file], f"{where}: its file")
        media_frames = _whole(file, "duration", f"{where}: its file")
        in_ = _whole(item, "in", where)
        if in_ < 0 or in_ + frames > media_frames:
            raise ExportError(f"{where} plays frames {in_}..{in_ + frames} of media {media_frames} frames long")
        pathurl = file.find("pathurl")
        return pathurl.text if pathurl is not None and pathurl.text else None

    def _check_rate(self, context: list[ET.Element], where: str) -> None:
        """The rate in force at the last element of ``context`` (its own ``rate``, else the nearest
        ancestor's: ``timebase`` and ``ntsc`` are looked up on their own, as the adapter does) must be
        the cut's."""
        timebase = _inherited(context, "rate/timebase")
        ntsc = _inherited(context, "rate/ntsc")
        value = None
        if timebase is not None:
            try:
                value = float(timebase.text or "")
            except ValueError:
                raise ExportError(f"{where} has the timebase {timebase.text!r}, expected a number") from None
            if ntsc is not None and (ntsc.text or "").strip().lower() == "true":
                value = value * 1000 / 1001
        if value is None or abs(value - self.rate) > _RATE_TOLERANCE:
            raise ExportError(f"{where} is at {_rate_text(value)}, expected {_rate_text(self.rate)}")


def _primary_audio_channel(track: ET.Element) -> bool:
    """The adapter reads a stereo pair exploded over two tracks as one track: the first."""
    return (track.get("currentExplodedTrackIndex", "0") == "0"
            or track.get("totalExplodedTrackCount", "1") == "1")


def _inherited(context: list[ET.Element], path: str) -> ET.Element | None:
    for element in reversed(context):
        found = element.find(path)
        if found is not None:
            return found
    return None


def _text(element: ET.Element | None) -> str:
    """An element's text, "" when it is missing or empty (as the adapter reads a name)."""
    return "" if element is None or element.text is None else element.text


def _whole(element: ET.Element, tag: str, where: str) -> int:
    """The whole number a child element holds (a frame count or position)."""
    child = element.find(tag)
    if child is None:
        raise ExportError(f"{where} has no {tag}")
    try:
        return int(child.text or "")
    except ValueError:
        raise ExportError(f"{where} has the {tag} {child.text!r}, expected a whole number of frames") from None


# -- FCP X ------------------------------------------------------------------------------------------------
class _FcpxReading:
    """One walk of an FCP X XML: its resources by id, the sequence's frame duration and what it found."""

    def __init__(self, file: str, rate: float) -> None:
        self.file = file
        self.rate = rate
        self.assets: dict[str, ET.Element] = {}
        self.formats: dict[str, ET.Element] = {}
        self.frame_durations: dict[str, Fraction] = {}  # format id -> checked frame duration
        self.frame: Fraction = Fraction(0)
        self.format: str | None = None  # the sequence's, which an asset without one is read in
        self.composables = 0  # the elements accounted for, of those the adapter makes a clip of

    def read(self, root: ET.Element) -> CutReading:
        if root.tag != "fcpxml":
            raise ExportError(f"{self.file} is not an FCP X XML: its root element is <{root.tag}>")
        projects = list(root.iter("project"))
        if len(projects) != 1:
            raise ExportError(f"{self.file} holds {len(projects)} projects, expected one timeline")
        if root.find("project") is not projects[0] or root.find("event") is not None \
                or root.find("library") is not None:
            raise ExportError(f"{self.file}: its project is inside a library or event, expected it at the top")
        for asset in root.iterfind("resources/asset"):  # the adapter finds the first one of an id
            self.assets.setdefault(asset.get("id", ""), asset)
        for format_element in root.iterfind("resources/format"):
            self.formats.setdefault(format_element.get("id", ""), format_element)
        sequences = projects[0].findall("sequence")
        if len(sequences) != 1:
            raise ExportError(f"{self.file}: its project holds {len(sequences)} sequences, expected one")
        sequence = sequences[0]
        self.format = sequence.get("format")
        self.frame = self._frame_duration(self.format, f"{self.file}: the sequence")
        spines = sequence.findall("spine")
        if len(spines) != 1:
            raise ExportError(f"{self.file}: its sequence holds {len(spines)} spines, expected one")
        cut, picture, stems = self._read_spine(spines[0])
        in_sequence = sum(1 for element in sequence.iter() if element.tag in _FCPX_COMPOSABLES)
        if in_sequence != self.composables:
            raise ExportError(f"{self.file}: its sequence holds {in_sequence - self.composables} clips outside "
                              f"the spine's clips and their sound stems")
        lanes: dict[str, list[Reference]] = {"0": picture}
        for lane, reference in stems:
            lanes.setdefault(lane, []).append(reference)
        for lane, found in lanes.items():
            if lane != "0" and len(found) != 1:
                raise ExportError(f"{self.file}: lane {lane} holds {len(found)} clips "
                                  f"({', '.join(n for n, _ in found)}), expected one sound stem")
        # the adapter's tracks: one per lane, sorted by the lane's text ("-1" < "-2" < "0")
        references = [reference for lane in sorted(lanes) for reference in lanes[lane]]
        return CutReading(cut=cut, references=references)

    def _read_spine(self, spine: ET.Element) -> tuple[list[tuple[str, int]], list[Reference],
                                                      list[tuple[str, Reference]]]:
        """The spine's items end to end: the cut, the picture clips' references, the stems'."""
        cut: list[tuple[str, int]] = []
        picture: list[Reference] = []
        stems: list[tuple[str, Reference]] = []
        end_of_previous = 0
        gap = 0  # frames of gap before the next clip
        for index, item in enumerate(spine, start=1):
            where = f"{self.file}: item {index} of the spine"
            if item.tag not in ("clip", "gap") or item.get("lane") is not None:
                raise ExportError(f"{where} is a <{item.tag}>{' on a lane' if item.get('lane') is not None else ''}, "
                                  f"expected a clip or a gap of the spine")
            name = self._name(item, where) if item.tag == "clip" else "<gap>"
            if item.tag == "clip":
                where = f"{where} ({name})"
            offset = self._frames(item, "offset", where)
            if offset < end_of_previous:
                raise ExportError(f"{where} starts at frame {offset}, before the item before it ends "
                                  f"(frame {end_of_previous})")
            frames = self._frames(item, "duration", where)
            if frames <= 0:
                raise ExportError(f"{where} has no duration")
            gap += offset - end_of_previous
            end_of_previous = offset + frames
            connected = []
            for child in item:
                if child.tag == "clip":
                    connected.append(child)
                elif child.tag == "marker" or (item.tag == "clip" and child.tag == "video"):
                    continue
                else:
                    raise ExportError(f"{where} holds a <{child.tag}>, expected its video, markers and "
                                      f"sound stems")
            if item.tag == "gap":
                gap += frames
            else:
                url = self._picture_clip(item, frames, where)
                if gap:
                    cut.append(("<gap>", gap))
                    gap = 0
                cut.append((name, frames))
                picture.append((name, url))
            stems += [self._stem(clip, where) for clip in connected]
        if not picture:
            raise ExportError(f"{self.file}: its spine holds no clip (no picture track)")
        return cut, picture, stems

    def _picture_clip(self, clip: ET.Element, frames: int, where: str) -> str | None:
        """The URL of a spine clip's media: its one ``video``'s asset, which must hold the frames it plays."""
        videos = clip.findall("video")
        if len(videos) != 1:
            raise ExportError(f"{where} holds {len(videos)} videos, expected one")
        self.composables += 1
        return self._media(clip, videos[0], frames, where)

    def _stem(self, clip: ET.Element, parent: str) -> tuple[str, Reference]:
        """(lane, (name, URL)) of a connected clip: a sound stem, its ``audio`` in a ``gap``."""
        lane = clip.get("lane") or ""
        name = self._name(clip, f"{parent}: a connected clip")
        where = f"{parent}: the connected clip {name} (lane {lane or 'none'})"
        try:
            number = int(lane)
        except ValueError:
            number = 0
        if number >= 0 or lane != str(number):
            raise ExportError(f"{where} is not on a lane below the picture (-1, -2...), expected a sound stem")
        holders = list(clip)
        audios = holders[0].findall("audio") if len(holders) == 1 and holders[0].tag == "gap" else []
        if len(audios) != 1 or len(holders[0]) != 1:
            raise ExportError(f"{where} is not one audio in a gap, expected a sound stem as we write it")
        self._frames(clip, "offset", where)
        frames = self._frames(clip, "duration", where)
        if frames <= 0:
            raise ExportError(f"{where} has no duration")
        self.composables += 1
        return lane, (name, self._media(clip, audios[0], frames, where))

    def _media(self, clip: ET.Element, element: ET.Element, frames: int, where: str) -> str | None:
        """The URL of the asset ``element`` refers to, once the clip's frames (from its ``start``) are
        known to be the asset's."""
        ref = element.get("ref")
        asset = self.assets.get(ref or "")
        if asset is None:
            raise ExportError(f"{where} refers to asset {ref!r}, which the resources do not define")
        self._frame_duration(asset.get("format", self.format), f"{where}: its asset {ref}")
        first = self._frames(clip, "start", where)
        media_first = self._frames(asset, "start", f"{where}: its asset {ref}")
        media_frames = self._frames(asset, "duration", f"{where}: its asset {ref}")
        if first < media_first or first + frames > media_first + media_frames:
            raise ExportError(f"{where} plays frames {first - media_first}..{first - media_first + frames} of "
                              f"media {media_frames} frames long")
        return asset.get("src") or None

    def _name(self, clip: ET.Element, where: str) -> str:
        name = clip.get("name")
        if name is None:
            raise ExportError(f"{where} has no name")  # the adapter cannot name a clip None either
        return name

    def _frames(self, element: ET.Element, attribute: str, where: str) -> int:
        """A time attribute (``"113/25s"``, ``"4s"``; missing: 0, as the adapter reads it) in frames of
        the sequence, which it must be a whole number of."""
        text = element.get(attribute)
        if text is None or text == "0s":
            return 0
        try:
            if not text.endswith("s"):
                raise ValueError(text)
            frames = Fraction(text[:-1]) / self.frame
        except (ValueError, ZeroDivisionError):
            raise ExportError(f"{where} has the {attribute} {text!r}, expected a time like 113/25s") from None
        if frames.denominator != 1:
            raise ExportError(f"{where} has the {attribute} {text}, which is not a whole number of frames "
                              f"at {_rate_text(self.rate)}")
        return int(frames)

    def _frame_duration(self, format_id: str | None, where: str) -> Fraction:
        """The checked frame duration of a format of the resources: the cut's."""
        if (format_id or "") in self.frame_durations:
            return self.frame_durations[format_id or ""]
        format_element = self.formats.get(format_id or "")
        if format_element is None:
            raise ExportError(f"{where} refers to format {format_id!r}, which the resources do not define")
        text = format_element.get("frameDuration") or ""
        try:
            if not text.endswith("s"):
                raise ValueError(text)
            duration = Fraction(text[:-1])
            rate = float(1 / duration)
        except (ValueError, ZeroDivisionError):
            raise ExportError(f"{where}: format {format_id} has the frame duration {text!r}, "
                              f"expected one like 1/25s") from None
        if abs(rate - self.rate) > _RATE_TOLERANCE:
            raise ExportError(f"{where} is at {_rate_text(rate)} (format {format_id}), "
                              f"expected {_rate_text(self.rate)}")
        self.frame_durations[format_id or ""] = duration
        return duration
