"""Timeline exporters as plug-ins, found the way OTIO finds its adapters: through entry points.

An exporter turns the package's OTIO timeline into one file an editing suite opens, and reads that
file back so the package can check it. The built-ins are declared in code (:data:`BUILTIN`), each
backed by an OTIO adapter:

========  ===========  ==============================  ==========================
name      file         OTIO adapter                     Python package
========  ===========  ==============================  ==========================
otio      .otio        ``otio_json``                    opentimelineio
edl       .edl         ``cmx_3600`` (picture only)      otio-cmx3600-adapter
fcp7      .xml         ``fcp_xml``                      otio-fcp-adapter
fcpx      .fcpxml      ``fcpx_xml``                     otio-fcpx-xml-adapter
aaf       .aaf         ``AAF``                          otio-aaf-adapter (+ pyaaf2)
========  ===========  ==============================  ==========================

An exporter may also bring a ``writer`` called in place of ``otio.adapters.write_to_file``: the AAF's
(``aaf_cut_writer.py``) lets the adapter write the cut's first shot and copies its objects for the
others, the adapter's file for the whole cut at a tenth of pyaaf2's CPU.

A package checks each file by reading it back through the same adapter, unless the exporter has a
``reader`` that gets the cut and its media references straight from the file (the AAF: its storages,
``aaf_readback.py``, at a thirtieth of the adapter's CPU; the FCP 7 and FCP X XMLs: ElementTree,
``xml_readback.py``, at a tenth of it). An exporter whose adapter is not installed
is *unavailable*: a package made with the default formats skips it and says so in
``manifest.json``; asking for it by name is an :class:`ExportError`. Other packages add exporters with an entry point in the
``aiuteur.exporters`` group naming an :class:`Exporter` instance or a callable returning a list
of them, e.g. in ``pyproject.toml``::

    [project.entry-points."aiuteur.exporters"]
    otio_kdenlive = "my_pkg.export:KDENLIVE"
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from fractions import Fraction
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import opentimelineio as otio

from .errors import ExportError
from .readback import CutReading, cut_reading

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "Exporter", "available", "exporters", "get_exporter",
           "plugin_problems"]

#: The entry-point group other packages declare exporters in.
ENTRY_POINT_GROUP = "aiuteur.exporters"


def _edl_prepare(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    from .writers import edl_safe_copy  # ASCII names, record-time markers, picture only

    return edl_safe_copy(timeline)


def _aaf_prepare(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """AAF needs a MobID per source: a stable one per media file (same file, same mob)."""
    import aaf2.mobid
    import uuid

    copy = timeline.deepcopy()
    for clip in copy.find_clips():
        ref = clip.media_reference
        url = getattr(ref, "target_url", "") or clip.name
        material = uuid.uuid5(uuid.NAMESPACE_URL, "aiuteur:" + url)
        mob = aaf2.mobid.MobID.new()
        mob.material = material
        clip.metadata.setdefault("AAF", {})["MobID"] = str(mob)
    return copy


def _aaf_write(timeline: otio.schema.Timeline, path: Path, **adapter_args: Any) -> None:
    """The adapter writes the cut's first shot, the others are copies of its objects
    (aaf_cut_writer.py): the adapter's file for the whole cut at a fraction of pyaaf2's CPU."""
    from .aaf_cut_writer import write_aaf

    write_aaf(timeline, path, **adapter_args)


def _aaf_read_cut(path: Path, rate: float) -> CutReading:
    """The AAF's cut and references read from its storages directly: the adapter's full transcription
    costs ~3 CPU s for 600 clips only to be reduced to names, lengths and URLs (aaf_readback.py)."""
    from .aaf_readback import read_aaf_cut

    return read_aaf_cut(path, rate)


def _fcp7_read_cut(path: Path, rate: float) -> CutReading:
    """The FCP 7 XML's cut and references read with ElementTree directly: the adapter's full
    transcription costs ~1.2 CPU s for 600 clips only to be reduced to names, lengths and URLs
    (xml_readback.py)."""
    from .xml_readback import read_fcp7_cut

    return read_fcp7_cut(path, rate)


def _fcpx_read_cut(path: Path, rate: float) -> CutReading:
    """The FCP X XML's cut and references read with ElementTree directly, its times as exact
    fractions like :func:`_exact_fcpx_time` reads them (xml_readback.py)."""
    from .xml_readback import read_fcpx_cut

    return read_fcpx_cut(path, rate)


_ADAPTER_PATCH = threading.Lock()


def _exact_fcpx_time(rational_number: str | None, fps: float) -> otio.opentime.RationalTime:
    """``"113/25s"`` at 25 fps -> 113 frames. otio-fcpx-xml-adapter 1.0 computes
    ``int(113 / 25 * 25.0)`` = 112 (float truncation), which drops a frame from about one clip in
    ten and shifts every clip after it; the file itself is exact (Final Cut reads it right)."""
    if rational_number in (None, "0s"):
        return otio.opentime.RationalTime(0, int(fps))
    value = Fraction(rational_number.rstrip("s"))
    return otio.opentime.RationalTime(round(value * Fraction(fps).limit_denominator(1001)), int(fps))


@contextmanager
def _fcpx_exact_reading():
    """Read FCP X XML with :func:`_exact_fcpx_time` in place of the adapter's truncating one."""
    module = otio.plugins.ActiveManifest().from_name("fcpx_xml").module()
    with _ADAPTER_PATCH:
        original = module.to_rational_time
        module.to_rational_time = _exact_fcpx_time
        try:
            yield
        finally:
            module.to_rational_time = original


@dataclass(frozen=True)
class Exporter:
    """One timeline format: the file suffix, the OTIO adapter that writes and reads it, and the
    python module the adapter needs (to say it is unavailable instead of failing half-way)."""

    name: str
    suffix: str
    adapter: str
    requires: str
    label: str
    picture_only: bool = False
    needs_rate: bool = False  # the format stores no rate: pass it when writing and reading
    prepare: Callable[[otio.schema.Timeline], otio.schema.Timeline] | None = None
    write_args: dict[str, Any] = field(default_factory=dict)
    source: str = "builtin"
    rates: tuple[float, ...] | None = None  # the rates the adapter round-trips exactly; None: all supported
    rate_note: str = ""
    # slow enough to write (and read back) in a process of its own, in parallel with the others, on long
    # cuts (package.OWN_PROCESS_MIN_CLIPS): the AAF (the adapter's first shot through pyaaf2, the copies, the
    # check) is about as much CPU as all the others together
    own_process: bool = False
    # reads the cut and the media references a package checks straight from the written file, when going
    # through the adapter costs too much (AAF: its storages; FCP 7 and FCP X XML: ElementTree); None: the adapter
    reader: Callable[[Path, float], CutReading] | None = None
    # writes the prepared timeline to the file in place of ``otio.adapters.write_to_file`` with the same
    # arguments, when the adapter alone costs too much (AAF); None: the adapter writes it
    writer: Callable[..., None] | None = None

    def supports(self, rate: float) -> bool:
        return self.rates is None or any(abs(rate - r) < 1e-9 for r in self.rates)

    def available(self) -> bool:
        """Whether OTIO has the adapter (its package is installed)."""
        try:
            otio.plugins.ActiveManifest().from_name(self.adapter)
        except Exception:  # noqa: BLE001 — OTIO raises its own NotFound types
            return False
        return True

    def render(self, timeline: otio.schema.Timeline, path: Path, rate: float) -> None:
        """Write ``timeline`` to ``path`` (a temporary file of the package being built)."""
        if not self.available():
            raise ExportError(f"the {self.label} exporter needs {self.requires} (pip install {self.requires})")
        prepared = self.prepare(timeline) if self.prepare else timeline
        kwargs = dict(self.write_args)
        if self.needs_rate:
            kwargs["rate"] = rate
        try:
            if self.writer is not None:
                self.writer(prepared, path, **kwargs)
            else:
                otio.adapters.write_to_file(prepared, str(path), adapter_name=self.adapter, **kwargs)
        except Exception as exc:  # adapters raise many unrelated types
            raise ExportError(f"the {self.adapter} adapter could not write {path.name}: "
                              f"{type(exc).__name__}: {exc}", path=path) from exc

    def read_cut(self, path: Path, rate: float) -> CutReading:
        """What the package checks in a written file: its first video track (name, frames per item)
        and every clip's (name, media URL), read by :attr:`reader` or else through the adapter."""
        if self.reader is not None:
            return self.reader(path, rate)
        return cut_reading(self.read(path, rate))

    def read(self, path: Path, rate: float) -> otio.schema.Timeline:
        """Read a written file back through the same adapter."""
        kwargs = {"rate": rate} if self.needs_rate else {}
        try:
            with _fcpx_exact_reading() if self.adapter == "fcpx_xml" else nullcontext():
                result = otio.adapters.read_from_file(str(path), adapter_name=self.adapter, **kwargs)
        except Exception as exc:  # noqa: BLE001
            raise ExportError(f"cannot read {path.name} back with the {self.adapter} adapter: "
                              f"{type(exc).__name__}: {exc}", path=path) from exc
        if isinstance(result, otio.schema.SerializableCollection):  # fcpx wraps timelines in a collection
            timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
            result = timelines[0] if len(timelines) == 1 else result
        if not isinstance(result, otio.schema.Timeline):
            raise ExportError(f"{path.name} holds a {type(result).__name__}, expected one timeline", path=path)
        return result


#: The exporters aiuteur ships, in the order a package writes them.
BUILTIN: tuple[Exporter, ...] = (
    Exporter("otio", ".otio", "otio_json", "opentimelineio", "OpenTimelineIO"),
    Exporter("edl", ".edl", "cmx_3600", "otio-cmx3600-adapter", "CMX 3600 EDL", picture_only=True,
             needs_rate=True, prepare=_edl_prepare),
    Exporter("fcp7", ".xml", "fcp_xml", "otio-fcp-adapter", "Final Cut Pro 7 XML", reader=_fcp7_read_cut),
    # otio-fcpx-xml-adapter 1.0 looks rates up by int(rate) and reads clips back at int(rate): 23.976
    # is not written at all and would come back as 23 fps, so it only takes integer rates.
    Exporter("fcpx", ".fcpxml", "fcpx_xml", "otio-fcpx-xml-adapter", "Final Cut Pro X XML",
             rates=(24.0, 25.0, 30.0, 50.0, 60.0),
             rate_note="otio-fcpx-xml-adapter 1.0 cannot write 23.976 fps (it reads it back as 23)",
             reader=_fcpx_read_cut),
    Exporter("aaf", ".aaf", "AAF", "otio-aaf-adapter", "AAF (Avid Media Composer)", prepare=_aaf_prepare,
             own_process=True, reader=_aaf_read_cut, writer=_aaf_write),
)


@dataclass(frozen=True)
class PluginProblem:
    """An entry point that could not be loaded: reported, never fatal for the other formats."""

    entry_point: str
    error: str


_found: dict[str, Exporter] | None = None
_problems: list[PluginProblem] = []


def _from_entry_points(found: Iterable[EntryPoint]) -> dict[str, Exporter]:
    out: dict[str, Exporter] = {}
    for point in found:
        try:
            loaded = point.load()
            items = loaded() if callable(loaded) and not isinstance(loaded, Exporter) else loaded
            items = [items] if isinstance(items, Exporter) else list(items)
            for item in items:
                if not isinstance(item, Exporter):
                    raise TypeError(f"{type(item).__name__} is not an aiuteur.export.exporters.Exporter")
                out[item.name] = Exporter(**{**item.__dict__, "source": point.value})
        except Exception as exc:  # noqa: BLE001 — one bad plug-in must not hide the others
            _problems.append(PluginProblem(f"{point.name} = {point.value}", f"{type(exc).__name__}: {exc}"))
    return out


def exporters(found: Iterable[EntryPoint] | None = None) -> dict[str, Exporter]:
    """Every exporter by name: the built-ins, then plug-ins (a plug-in may not replace a built-in)."""
    global _found
    if found is not None or _found is None:
        _problems.clear()
        plugins = _from_entry_points(entry_points(group=ENTRY_POINT_GROUP) if found is None else found)
        merged = {e.name: e for e in BUILTIN}
        for name, exporter in plugins.items():
            if name in merged:
                _problems.append(PluginProblem(exporter.source, f"exporter name {name!r} is taken by a built-in"))
                continue
            merged[name] = exporter
        if found is not None:
            return merged
        _found = merged
    return dict(_found)


def plugin_problems() -> list[PluginProblem]:
    exporters()
    return list(_problems)


def available() -> list[Exporter]:
    return [e for e in exporters().values() if e.available()]


def get_exporter(name: str) -> Exporter:
    found = exporters()
    if name not in found:
        raise ExportError(f"no exporter named {name!r}; known: {', '.join(found)}")
    return found[name]
