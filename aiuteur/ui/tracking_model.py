"""Production tracking from the studio: publish the project to Kitsu, read Kitsu's notes back, and
a status line saying what Kitsu holds.

Plain `param` logic over `aiuteur.tracking.kitsu` (the same `publish`, `sync_notes` and `status`
as `aiuteur kitsu-publish`, `kitsu-sync` and `kitsu-status`); the Tracking tab only lays it out.
Each call opens the workspace and closes it (see `StudioModel`). The Kitsu login is read from the
environment of the process serving the studio, never typed into the page.
"""
from __future__ import annotations

from typing import Any

import param

from aiuteur.store import StoreError
from aiuteur.ui.studio_model import StudioModel


class TrackingModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    message = param.String(default="", doc="What the last Publish or Sync did, or why it could not")
    kitsu_project = param.String(default="", doc="The Kitsu production (empty: as published before, else the "
                                                 "project's name)")
    revision = param.Integer(default=0, doc="Bumped after each Publish or Sync, to redraw the status line")

    @property
    def configured(self) -> bool:
        from aiuteur.tracking import kitsu

        return kitsu.configured()

    def status_line(self) -> str:
        """What Kitsu holds of the project, from the workspace alone (no network call)."""
        from aiuteur.tracking import kitsu

        if not self.studio.project:
            return "Pick a project to publish it to Kitsu."
        try:
            with self.studio.open_store() as store:
                state = kitsu.status(store, store.get_project(self.studio.project))
        except StoreError as exc:
            return str(exc)
        line = state.summary()
        if not kitsu.configured():
            line += (f". Kitsu is not set up here: set ${kitsu.URL_ENV}, ${kitsu.EMAIL_ENV} and "
                     f"${kitsu.PASSWORD_ENV} where the studio runs")
        return line

    def publish(self) -> Any:
        """Publish shots, clips and notes (`kitsu.publish`); the message says what was done."""
        from aiuteur.tracking import kitsu

        return self._call("publish", lambda store, project: kitsu.publish(
            store, project, kitsu_project=self.kitsu_project.strip() or None))

    def sync(self) -> Any:
        """Read Kitsu's comments back as review notes (`kitsu.sync_notes`)."""
        from aiuteur.tracking import kitsu

        result = self._call("sync", kitsu.sync_notes)
        if result is not None and result.notes:
            self.studio.notes_revision += 1  # the review page's note list shows them
        return result

    def _call(self, label: str, act) -> Any:
        from aiuteur.errors import user_errors

        if not self.studio.project:
            self.message = "pick a project first"
            return None
        try:
            with self.studio.open_store() as store:
                result = act(store, store.get_project(self.studio.project))
        except user_errors() as exc:  # not set up, refused, out of reach, no shots yet: said, not raised
            self.message = f"{label}: {exc}"
            self.revision += 1
            return None
        self.message = result.summary()
        self.revision += 1
        self.studio.check_store()
        return result
