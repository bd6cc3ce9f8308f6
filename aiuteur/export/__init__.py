"""Export an aiuteur cut to editing suites: OTIO, CMX 3600 EDL, FCP 7 XML.

Typical use::

    from aiuteur.export import CutClip, export_cut
    paths = export_cut(clips, "My Film", out_dir)   # build + write + verify

or step by step with :func:`build_timeline`, :func:`write_exports` and
:func:`verify_exports`.  The delivery package (versioned media, every timeline
format with relative paths, stems, manifest.json) is :func:`write_package`
(``package.py``, docs/delivery.md); timeline formats are plug-ins
(``exporters.py``, entry-point group ``aiuteur.exporters``).  Decisions (target URL form, reel rule, marker
placement, what each format keeps) are documented in ``media.py``,
``reels.py``, ``timeline.py`` and ``readback.py``.

The public names are loaded on first use (``aiuteur/lazy.py``, as for ``aiuteur`` itself): the
process that writes a long cut's AAF beside the others (``apart.py``) imports this package for its
exporters and read-back only, and should not pay for the models, the package and the encoder
(about 0.5 s of CPU, a tenth of the 600-shot timelines' budget).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiuteur.lazy import lazy_names

#: public name -> (module, attribute in it)
_LAZY: dict[str, tuple[str, str]] = {
    "ExportError": ("aiuteur.export.errors", "ExportError"),
    "path_from_target_url": ("aiuteur.export.media", "path_from_target_url"),
    "target_url_for_path": ("aiuteur.export.media", "target_url_for_path"),
    "resolve_media": ("aiuteur.export.media", "resolve_media"),
    "AudioStem": ("aiuteur.export.models", "AudioStem"),
    "CutClip": ("aiuteur.export.models", "CutClip"),
    "ExportPaths": ("aiuteur.export.models", "ExportPaths"),
    "EXPORTERS_GROUP": ("aiuteur.export.exporters", "ENTRY_POINT_GROUP"),
    "Exporter": ("aiuteur.export.exporters", "Exporter"),
    "PackageCut": ("aiuteur.export.package", "PackageCut"),
    "PackageOptions": ("aiuteur.export.package", "PackageOptions"),
    "PackageProgress": ("aiuteur.export.package", "PackageProgress"),
    "PackageResult": ("aiuteur.export.package", "PackageResult"),
    "PackageShot": ("aiuteur.export.package", "PackageShot"),
    "read_manifest": ("aiuteur.export.package", "read_manifest"),
    "verify_package": ("aiuteur.export.package", "verify_package"),
    "write_package": ("aiuteur.export.package", "write_package"),
    "export_cut": ("aiuteur.export.pipeline", "export_cut"),
    "NTSC_FILM": ("aiuteur.export.rates", "NTSC_FILM"),
    "SUPPORTED_RATES": ("aiuteur.export.rates", "SUPPORTED_RATES"),
    "normalize_rate": ("aiuteur.export.rates", "normalize_rate"),
    "read_back": ("aiuteur.export.readback", "read_back"),
    "summarize_cut": ("aiuteur.export.readback", "summarize_cut"),
    "summarize_reels": ("aiuteur.export.readback", "summarize_reels"),
    "verify_exports": ("aiuteur.export.readback", "verify_exports"),
    "assign_reels": ("aiuteur.export.reels", "assign_reels"),
    "reel_for_shot_id": ("aiuteur.export.reels", "reel_for_shot_id"),
    "ascii_fold": ("aiuteur.export.text", "ascii_fold"),
    "clean_text": ("aiuteur.export.text", "clean_text"),
    "AIUTEUR_KEY": ("aiuteur.export.timeline", "AIUTEUR_KEY"),
    "SCENE_MARKER_COLOR": ("aiuteur.export.timeline", "SCENE_MARKER_COLOR"),
    "build_timeline": ("aiuteur.export.timeline", "build_timeline"),
    "scene_spans": ("aiuteur.export.timeline", "scene_spans"),
    "write_exports": ("aiuteur.export.writers", "write_exports"),
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


if TYPE_CHECKING:  # what type checkers and editors see; nothing is imported at run time
    from .errors import ExportError
    from .media import path_from_target_url, resolve_media, target_url_for_path
    from .models import AudioStem, CutClip, ExportPaths
    from .exporters import ENTRY_POINT_GROUP as EXPORTERS_GROUP, Exporter
    from .package import PackageCut, PackageOptions, PackageProgress, PackageResult, PackageShot, read_manifest, verify_package, write_package
    from .pipeline import export_cut
    from .rates import NTSC_FILM, SUPPORTED_RATES, normalize_rate
    from .readback import read_back, summarize_cut, summarize_reels, verify_exports
    from .reels import assign_reels, reel_for_shot_id
    from .text import ascii_fold, clean_text
    from .timeline import AIUTEUR_KEY, SCENE_MARKER_COLOR, build_timeline, scene_spans
    from .writers import write_exports
