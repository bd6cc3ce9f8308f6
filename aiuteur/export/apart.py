"""Write (and read back) one timeline format in a process of its own: ``python -m aiuteur.export.apart``.

`package.write_timelines` starts this for an ``own_process`` exporter (AAF: its first shot written by the
adapter through pyaaf2, pure Python, the others copied, then checked) on a long cut, so it runs beside the
other formats instead of after them. A fresh
interpreter (not a fork, not multiprocessing's spawn, which re-runs the caller's ``__main__``) reads one
JSON job on stdin — ``{"exporter", "timeline" (OTIO JSON), "path", "root", "rate", "expected",
"media_ready"}`` — and prints one JSON line: ``{"ok": true, "references": [[clip, url], ...]}`` or
``{"ok": false, "error": "..."}``. A package starts it before its media is encoded (``media_ready``
false): the file's shots and lengths are checked here, and the parent checks the references it gets
back once the media files exist.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def run_job(job: dict) -> dict:
    import opentimelineio as otio

    from .errors import ExportError
    from .exporters import get_exporter
    from .readback import verify_timeline

    try:
        timeline = otio.adapters.read_from_string(job["timeline"], adapter_name="otio_json")
        exporter = get_exporter(job["exporter"])
        path = Path(job["path"])
        exporter.render(timeline, path, job["rate"])
        references = verify_timeline(exporter, path, Path(job["root"]), job["rate"],
                                      [tuple(e) for e in job["expected"]], media_ready=job.get("media_ready", True))
    except ExportError as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 — everything goes back to the parent, which raises it
        return {"ok": False, "error": f"the {job.get('exporter')} exporter failed: {type(exc).__name__}: {exc}"}
    return {"ok": True, "references": references}


def main() -> None:
    answer = run_job(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
