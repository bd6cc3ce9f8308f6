"""The story pages' state and actions (stages 1-4 and timelines) as a plain `param.Parameterized`:
no Panel import, tested by setting params and calling methods.

Like `StudioModel`, every action opens the workspace for the call and closes it. Every action
returns normally and reports in `message` (errors included: the message is the page's error
line, naming the file or field); `revision` increases after any change so views re-render.
"""
from __future__ import annotations

import html
import re
from typing import Any

import param

from aiuteur.engines.config import engines_for
from aiuteur.engines.registry import Engines
from aiuteur.errors import user_errors
from aiuteur.ingest import StagedFile, read_source
from aiuteur.models.project import ProjectConfig
from aiuteur.models.story import BeatSheet, MasterScript, TreatmentSet
from aiuteur.screenplay import parse, to_html
from aiuteur.stages import beats, input as input_stage, script, timelines, treatment
from aiuteur.stages.status import StageStatus, project_status
from aiuteur.store import open_store


class StoryModel(param.Parameterized):
    workspace = param.String(default="aiuteur.duckdb")
    project = param.String(default="", doc="The project the story pages act on (name)")
    title = param.String(default="", doc="Title for a new project")
    project_name = param.String(default="", doc="Project name for a new project (default: from the title)")
    idea = param.String(default="")
    minutes = param.Number(default=3.0, bounds=(0.1, 180))
    upload_label = param.String(default="")
    staged = param.List(default=[], doc="Files staged for a new project: [{name, label, kind, data}]")
    beat_index = param.Integer(default=1, bounds=(1, None), doc="1-based beat number for beat operations")
    beat_to = param.Integer(default=1, bounds=(1, None), doc="1-based target position for a move")
    split_at = param.Integer(default=1, bounds=(1, None), doc="Split after this sentence")
    branch_name = param.String(default="")
    branch_message = param.String(default="")
    message = param.String(default="")
    revision = param.Integer(default=0)
    studio = param.Parameter(default=None, doc="The StudioModel this page belongs to: the store is opened "
                                               "through it, as its signed-in user (None: the default user)")

    def _open_store(self):
        """The workspace for one call: through the studio (as its signed-in user) when there is one."""
        return self.studio.open_store() if self.studio is not None else open_store(self.workspace)

    def _run(self, label: str, action) -> Any:
        """Run an action against the open store; report success or the error in `message`."""
        try:
            with self._open_store() as store:
                result = action(store)
        except user_errors() as exc:  # the page shows the reason (file or field named by the library)
            self.message = f"{label} failed: {exc}"
            return None
        self.revision += 1
        return True if result is None else result

    def _project(self, store):
        if not self.project:
            raise ValueError("pick or create a project first")
        return store.get_project(self.project)

    def _configured(self, store) -> tuple[Any, Any, Engines]:
        """(store, project, the engines configured for it): the one resolution `engines_for`
        (environment, project settings, offline), as the CLI and notebooks use."""
        project = self._project(store)
        return store, project, engines_for(store, project)

    # -- stage 1 -----------------------------------------------------------------------------------
    def stage_upload(self, name: str, data: bytes, label: str | None = None) -> bool:
        """Validate one uploaded file now (so its error shows at once) and add it to `staged`."""
        try:
            doc = read_source(StagedFile(name, data, label or self.upload_label or None), len(self.staged))
        except ValueError as exc:
            self.message = f"file refused: {exc}"
            return False
        self.staged = self.staged + [{"name": name, "label": doc.label, "kind": doc.kind, "screenplay": doc.screenplay,
                                      "data": data}]
        self.message = f"staged {name} as {doc.label} ({doc.kind}{', screenplay' if doc.screenplay else ''})"
        self.upload_label = ""
        return True

    def unstage(self, index: int) -> None:
        self.staged = [f for i, f in enumerate(self.staged) if i != index]

    def create_project(self) -> str | None:
        title = self.title.strip() or (self.staged[0]["name"].rsplit(".", 1)[0] if self.staged else "")
        name = self.project_name.strip() or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "film"

        def act(store):
            files = [StagedFile(f["name"], f["data"], f["label"]) for f in self.staged]
            config = ProjectConfig(title=title or name, target_minutes=self.minutes)
            project, version = input_stage.start(store, name, self.idea, config, files=files)
            return project, version.payload["mode"]

        result = self._run("create project", act)
        if result:
            project, mode = result
            self.staged, self.idea, self.title, self.project_name = [], "", "", ""
            self.project = project.name
            self.message = f"created {project.name} ({mode} mode)"
            return project.name
        return None

    def stages(self) -> list[StageStatus]:
        if not self.project:
            return []
        with self._open_store() as store:
            return project_status(store, store.get_project(self.project))

    # -- stage 2 -----------------------------------------------------------------------------------
    def generate_treatments(self) -> None:
        branch = self.branch_name.strip() or None
        if self._run("generate treatments", lambda s: treatment.generate(*self._configured(s), branch=branch,
                                                                         guidance=self.branch_message or None)):
            self.message = "three treatment variants written" + (f" on branch {branch}" if branch else "")

    def comparison(self) -> list[treatment.VariantStats]:
        if not self.project:
            return []
        with self._open_store() as store:
            head = store.head(store.get_project(self.project), "treatment")
            return treatment.compare(head.model(TreatmentSet)) if head else []

    def variant_texts(self) -> list[str]:
        if not self.project:
            return []
        with self._open_store() as store:
            head = store.head(store.get_project(self.project), "treatment")
            return [v.text for v in head.model(TreatmentSet).variants] if head else []

    def select_variant(self, index: int) -> None:
        if self._run("select variant", lambda s: treatment.select(s, self._project(s), index)):
            self.message = f"variant {'ABC'[index] if index < 3 else index} selected: treatment locked"

    # -- stage 3 -----------------------------------------------------------------------------------
    def generate_beats(self) -> None:
        branch = self.branch_name.strip() or None
        if self._run("generate beats", lambda s: beats.generate(*self._configured(s), branch=branch,
                                                                guidance=self.branch_message or None)):
            self.message = "beat sheet written" + (f" on branch {branch}" if branch else "")

    def beat_rows(self) -> list[dict[str, Any]]:
        if not self.project:
            return []
        with self._open_store() as store:
            head = store.head(store.get_project(self.project), "beats")
            if head is None:
                return []
            return [{"n": i, **b.model_dump()} for i, b in enumerate(head.model(BeatSheet).beats, 1)]

    def _beat_action(self, label: str, fn, done: str) -> None:
        branch = self.branch_name.strip() or None
        if self._run(label, lambda s: fn(s, self._project(s), branch)):
            self.message = done

    def move_beat(self) -> None:
        i, to = self.beat_index - 1, self.beat_to - 1
        self._beat_action("move beat", lambda s, p, b: beats.move(s, p, i, to, branch=b),
                          f"moved beat {i + 1} to position {to + 1}")

    def split_beat(self) -> None:
        i, at = self.beat_index - 1, self.split_at
        self._beat_action("split beat", lambda s, p, b: beats.split(s, p, i, at, branch=b), f"split beat {i + 1}")

    def merge_beat(self) -> None:
        i = self.beat_index - 1
        self._beat_action("merge beats", lambda s, p, b: beats.merge(s, p, i, branch=b),
                          f"merged beats {i + 1} and {i + 2}")

    def delete_beat(self) -> None:
        i = self.beat_index - 1
        self._beat_action("delete beat", lambda s, p, b: beats.delete(s, p, i, branch=b), f"deleted beat {i + 1}")

    def confirm_beats(self) -> None:
        result = self._run("confirm beats", lambda s: beats.confirm(s, self._project(s)))
        if result:
            self.message = "beat sheet confirmed (locked)" + (f" — warning: {result[1]}" if result[1] else "")

    # -- stage 4 -----------------------------------------------------------------------------------
    def generate_script(self) -> None:
        branch = self.branch_name.strip() or None
        if self._run("generate script", lambda s: script.generate(*self._configured(s), branch=branch,
                                                                  guidance=self.branch_message or None)):
            self.message = "master script written" + (f" on branch {branch}" if branch else "")

    def approve_script(self) -> None:
        if self._run("approve script", lambda s: script.approve(s, self._project(s))):
            self.message = "master script approved (locked)"

    def script_html(self) -> str:
        """The current script in screenplay layout: the exporter's CSS and body, for an HTML pane."""
        if not self.project:
            return ""
        with self._open_store() as store:
            head = store.head(store.get_project(self.project), "script")
            if head is None:
                return ""
            document = to_html(parse(head.model(MasterScript).fountain))
        style = re.search(r"<style>(.*?)</style>", document, re.S)
        body = re.search(r"<body[^>]*>(.*)</body>", document, re.S)
        return f"<style>{style.group(1) if style else ''}</style>{body.group(1) if body else html.escape(document)}"

    def scene_rows(self) -> list[dict]:
        if not self.project:
            return []
        with self._open_store() as store:
            head = store.head(store.get_project(self.project), "script")
            return script.scene_rows(head.model(MasterScript)) if head else []

    # -- timelines ---------------------------------------------------------------------------------
    def branches(self) -> list[dict]:
        if not self.project:
            return []
        with self._open_store() as store:
            return timelines.list_branches(store, store.get_project(self.project))

    def switch_branch(self, name: str) -> None:
        if self._run("switch branch", lambda s: timelines.switch(s, self._project(s), name)):
            self.message = f"on branch {name}"

    def new_branch(self) -> None:
        name, msg = self.branch_name.strip(), self.branch_message.strip()
        if self._run("new branch", lambda s: timelines.new_branch(s, self._project(s), name, msg)):
            self.message = f"branch {name} created and switched to"
            self.branch_name = self.branch_message = ""
