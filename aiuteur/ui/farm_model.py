"""Handing render work to a farm from the studio: what the job would hold, and writing its bundle.

Plain `param` logic over `aiuteur.farm` (the same `plan` and `job_bundle` as `aiuteur farm`); the Farm
tab only lays it out. Each call opens the workspace and closes it (see `StudioModel`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import param

from aiuteur.farm import FarmRefused, job_bundle, plan
from aiuteur.store import StoreError
from aiuteur.ui.studio_model import StudioModel


class FarmModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    message = param.String(default="")
    aiuteur = param.String(default="aiuteur", doc="The aiuteur command on the farm's workers.")
    folder = param.String(default="", doc="Where to write the bundle (default: farm-jobs/ beside the workspace).")

    def preview(self) -> dict[str, Any] | None:
        """The job that can run now: steps, tasks, engines and what a person does next; None with a message
        when there is none yet."""
        from aiuteur.engines.config import engines_for

        if not self.studio.project:
            return None
        try:
            with self.studio.open_store() as store:
                project = store.get_project(self.studio.project)
                job = plan(store, project, engines_for(store, project))
        except (FarmRefused, StoreError) as exc:
            self.message = str(exc)
            return None
        return {"steps": job.steps, "scenes": job.scenes, "shots": job.shots, "engines": job.engines,
                "next": job.next_step}

    def write_bundle(self) -> Path | None:
        """Write the job bundle (template.json + parameter_values.json) into a new folder."""
        from aiuteur.engines.config import engines_for

        if not self.studio.project:
            self.message = "pick a project first"
            return None
        # beside a workspace file; for a server workspace (postgresql://...) in the studio's folder
        home = Path.cwd() if "://" in self.studio.workspace else Path(self.studio.workspace).parent
        target = Path(self.folder) if self.folder else (
            home / "farm-jobs" / f"{self.studio.project}-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            with self.studio.open_store() as store:
                project = store.get_project(self.studio.project)
                job = plan(store, project, engines_for(store, project))
                folder = job_bundle(job, target, workspace=str(store.path), aiuteur=self.aiuteur,
                                    out_dir=str((target / "delivery").resolve()))
        except (FarmRefused, StoreError, OSError) as exc:
            self.message = str(exc)
            return None
        self.message = (f"job bundle written to {folder} ({', '.join(job.steps)}): "
                        f"openjd run {folder / 'template.json'} --step {job.steps[-1]} --run-dependencies, "
                        f"or deadline bundle submit {folder}" + (f". Next: {job.next_step}" if job.next_step else ""))
        return folder
