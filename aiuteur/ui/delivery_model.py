"""Delivery from the studio: export the package with its progress, the export history, archive and restore.

Plain `param` logic over `aiuteur.export.job` (the export job `aiuteur export` runs: a row in `aiuteur jobs`
with its progress, cancelled from here or by `aiuteur cancel`), `aiuteur.stages.delivery.export_history`
(`aiuteur exports`) and `aiuteur.archive` (`aiuteur archive` / `aiuteur restore`); the Delivery tab only
lays it out. The export runs in `BackgroundExport`'s thread, which opens the workspace itself; in this
process that thread writes nothing but the job's own `progress`, and `poll()` — the page's periodic
callback, on the server's thread — copies it into the params the views watch. Every other call opens the
workspace and closes it (see `StudioModel`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import param

from aiuteur.store import StoreError, open_store
from aiuteur.ui.studio_model import StudioModel

CODECS = ("h264", "prores", "dnxhr")
RESOLUTIONS = ("", "720p", "1080p", "2160p")  # "": each shot keeps its own size; WxH is accepted too


class DeliveryModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    codec = param.Selector(default="h264", objects=list(CODECS),
                           doc="h264 (.mp4), prores (ProRes 422 HQ .mov) or dnxhr (DNxHR HQ .mov)")
    resolution = param.String(default="", doc="720p, 1080p, 2160p or WxH; empty: each shot's own size")
    handles = param.Integer(default=None, allow_None=True, bounds=(0, None),
                            doc="Frames kept either side of each cut; empty: the whole generated clip")
    destination = param.String(default="", doc="A folder (the package becomes a new <Title>_v### in it) or a new "
                                               "FILE.zip; empty: deliveries/ beside the workspace")
    running = param.Boolean(default=False, doc="An export is in progress (one at a time per page)")
    job_id = param.String(default="", doc="The running (or last) export's job id, as `aiuteur jobs` lists it")
    progress = param.Number(default=0.0, bounds=(0.0, 1.0), doc="How far the export is (0..1)")
    status = param.String(default="", doc="The export's current step in words")
    message = param.String(default="", doc="How the last action ended (errors included)")
    last_package = param.String(default="", doc="The last package made here (folder or .zip)")
    archive_path = param.String(default="", doc="The archive to write (a new .zip); empty: archives/ beside "
                                                "the workspace")
    archive_branch = param.String(default="", doc="Archive only this branch; empty: every branch")
    restore_file = param.String(default="", doc="An archive made by `aiuteur archive`")
    restore_workspace = param.String(default="", doc="The workspace to restore into; empty: this one")
    history_revision = param.Integer(default=0, doc="Bumped when the export history changed, to redraw it")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._job = None
        self.steps_seen: list[str] = []  # every step the running (or last) export reported, in order

    # -- export -------------------------------------------------------------------------------------------
    def default_destination(self) -> Path:
        return Path(self.studio.workspace).resolve().parent / "deliveries"

    def start_export(self):
        """Start the export job for the selected project with the chosen options; `poll()` follows it.
        Returns the `BackgroundExport`, or None with a message when it cannot start."""
        from pydantic import ValidationError

        from aiuteur.export.job import BackgroundExport

        if not self.studio.project:
            self.message = "pick a project first"
            return None
        if self.running:
            self.message = "an export is already running"
            return None
        to = Path(self.destination).expanduser() if self.destination.strip() else self.default_destination()
        try:
            self._job = BackgroundExport(self.studio.workspace, self.studio.project, to.absolute(),
                                         user=self.studio.user or None, codec=self.codec,
                                         resolution=self.resolution.strip() or None, handles=self.handles)
        except (StoreError, ValidationError) as exc:
            self.message = f"export failed: {exc}"
            return None
        self.steps_seen = []
        self.param.update(running=True, progress=0.0, status="starting the export", message="",
                          job_id=self._job.job_id)
        return self._job

    def cancel_export(self) -> bool:
        """Cancel the running export (it stops at its next step and leaves nothing); `poll()` says so."""
        if self._job is None or self._job.done:
            self.message = "no export is running"
            return False
        if not self._job.cancel():
            self.message = "the export had already finished"
            return False
        self.status = "cancelling the export"
        return True

    def poll(self) -> bool:
        """Copy the running export's progress into the params; at its end, say how it went, redraw the
        history and tell every page the store changed. True while running."""
        from aiuteur.jobs.errors import JobCancelled

        job = self._job
        if job is None:
            return False
        step = job.progress
        if step is not None and not job.done:
            if not self.steps_seen or self.steps_seen[-1] != step.message:
                self.steps_seen.append(step.message)
            self.param.update(progress=min(1.0, step.done / step.total) if step.total else 0.0, status=step.message)
        if not job.done:
            return True
        self._job = None
        if isinstance(job.error, JobCancelled):
            self.param.update(running=False, status="", message=str(job.error))
        elif job.error is not None:
            self.param.update(running=False, status="", message=f"export failed: {job.error}")
        else:
            result = job.result
            skipped = "".join(f"; {k} skipped ({why})" for k, why in result.skipped.items())
            self.param.update(running=False, progress=1.0, status="", last_package=str(result.path),
                              message=f"exported {result.name} to {result.path}: "
                                      f"{', '.join(result.timelines)}{skipped}")
        self.history_revision += 1
        self.studio.check_store()
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Poll until the running export ends (a notebook's or a test's loop); True when it succeeded."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll():
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"the export still runs after {timeout} s")
            time.sleep(0.05)
        return bool(self.last_package) and self.message.startswith("exported")

    def history(self) -> list[dict[str, Any]]:
        """The export history table: newest first, failed exports too."""
        from aiuteur.stages import delivery

        if not self.studio.project:
            return []
        with self.studio.open_store() as store:
            records = delivery.export_history(store, store.get_project(self.studio.project))
        return [{"finished": r.finished_at, "status": r.status, "package": r.package or "", "codec": r.codec,
                 "resolution": r.resolution or "", "handles": "" if r.handles is None else r.handles,
                 "shots": r.shots, "frames": r.frames, "rate": r.rate, "formats": ", ".join(r.formats),
                 "skipped": ", ".join(r.skipped), "path / error": r.error or r.path, "id": r.id}
                for r in reversed(records)]

    # -- archive and restore ---------------------------------------------------------------------------------
    def archive(self):
        """Archive the project (every branch, or `archive_branch`) into `archive_path` (a new .zip)."""
        from aiuteur.archive import ArchiveError, archive_project

        if not self.studio.project:
            self.message = "pick a project first"
            return None
        target = Path(self.archive_path).expanduser() if self.archive_path.strip() else (
            Path(self.studio.workspace).resolve().parent / "archives"
            / f"{self.studio.project}-{time.strftime('%Y%m%d-%H%M%S')}.zip")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.studio.open_store() as store:
                summary = archive_project(store, store.get_project(self.studio.project), target.absolute(),
                                          branch=self.archive_branch.strip() or None)
        except (ArchiveError, StoreError, OSError) as exc:
            self.message = f"archive failed: {exc}"
            return None
        self.message = (f"archived {summary.project_name}: {summary.tables.get('versions', 0)} versions, "
                        f"{len(summary.media)} media files -> {summary.path}")
        return summary

    def restore(self):
        """Restore `restore_file` into `restore_workspace` (empty: this workspace; refused if the project is
        already there). Returns the restored `Project`."""
        from aiuteur.archive import ArchiveError, read_summary, restore_project

        if not self.restore_file.strip():
            self.message = "name an archive to restore"
            return None
        file = Path(self.restore_file).expanduser()
        where = self.restore_workspace.strip() or self.studio.workspace
        try:
            summary = read_summary(file)
            with open_store(where, user=self.studio.user or None) as store:
                project = restore_project(store, file)
        except (ArchiveError, StoreError, OSError) as exc:
            self.message = f"restore failed: {exc}"
            return None
        self.message = (f"restored {project.name} ({summary.tables.get('versions', 0)} versions, "
                        f"{len(summary.media)} media files) into {where}")
        if Path(where).resolve() == Path(self.studio.workspace).resolve():
            self.studio.refresh()
            self.studio.check_store()
        return project
