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
"""

from .errors import ExportError
from .media import path_from_target_url, target_url_for_path
from .models import AudioStem, CutClip, ExportPaths
from .exporters import ENTRY_POINT_GROUP as EXPORTERS_GROUP
from .exporters import Exporter
from .package import (
    PackageCut, PackageOptions, PackageProgress, PackageResult, PackageShot, read_manifest, resolve_media,
    verify_package, write_package,
)
from .pipeline import export_cut
from .rates import NTSC_FILM, SUPPORTED_RATES, normalize_rate
from .readback import read_back, summarize_cut, summarize_reels, verify_exports
from .reels import assign_reels, reel_for_shot_id
from .text import ascii_fold, clean_text
from .timeline import AIUTEUR_KEY, SCENE_MARKER_COLOR, build_timeline, scene_spans
from .writers import write_exports

__all__ = [
    "AIUTEUR_KEY",
    "AudioStem",
    "NTSC_FILM",
    "SCENE_MARKER_COLOR",
    "SUPPORTED_RATES",
    "CutClip",
    "EXPORTERS_GROUP",
    "Exporter",
    "PackageCut",
    "PackageOptions",
    "PackageProgress",
    "PackageResult",
    "PackageShot",
    "ExportError",
    "ExportPaths",
    "ascii_fold",
    "assign_reels",
    "build_timeline",
    "clean_text",
    "export_cut",
    "normalize_rate",
    "path_from_target_url",
    "read_back",
    "read_manifest",
    "reel_for_shot_id",
    "resolve_media",
    "scene_spans",
    "summarize_cut",
    "summarize_reels",
    "target_url_for_path",
    "verify_exports",
    "verify_package",
    "write_exports",
    "write_package",
]
