"""The stage-11 page's state and actions (the cost gate) as a plain `param.Parameterized`: no Panel
import, tested by setting params and calling methods.

What it shows comes from the library: each shot's frames and the exact video prompt that stage 12
will send, with its sha256 (`prompts.list_prompts`: the hash of the text as sent — the generation
record's `rendered_prompt` hashes the same), stale warnings, and the estimate by shot or by scene
against the budget (`confirm.estimate_table`, `confirm.what_if` for other models or a proposed
change). Confirm & Render passes the gate (`gate_actions.pass_gate(..., "costs")`, the call under
`aiuteur confirm P --yes`) and runs stage 12 on the studio's runner with progress.
"""
from __future__ import annotations

from typing import Any

import param

from aiuteur.errors import not_yet_errors, user_errors
from aiuteur.ui.studio_model import StudioModel


class CostsModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    by = param.Selector(default="shot", objects=["shot", "scene"], doc="Rows of the estimate")
    scene = param.Integer(default=0, bounds=(0, None), doc="The scene whose shots are listed (0: every scene)")
    image_engine = param.String(default="", doc="What-if: another image engine id (empty: the configured one)")
    video_engine = param.String(default="", doc="What-if: another video engine id (empty: the configured one)")
    change = param.String(default="", doc="What-if: a proposed change, e.g. redo-frames-scene:4")
    background = param.Boolean(default=True, doc="Render on a worker thread (False: here and now — tests)")
    message = param.String(default="")
    message_at = param.String(default="", doc="The control the message belongs to: confirm, what-if")
    revision = param.Integer(default=0)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.studio.param.watch(self._store_changed, ["project", "store_revision"])

    def _store_changed(self, event) -> None:
        if event.name == "project":
            self.param.update(message="", scene=0, change="", image_engine="", video_engine="")
        self.revision += 1

    def _say(self, where: str, text: str) -> None:
        self.param.update(message_at=where, message=text)

    def _read(self, action, default: Any) -> Any:
        if not self.studio.project:
            return default
        try:
            with self.studio.open_store() as store:
                return action(store, store.get_project(self.studio.project))
        except not_yet_errors():  # a view: nothing to price yet, or a busy workspace, shows nothing
            return default

    # -- reading ------------------------------------------------------------------------------------
    def estimate(self) -> Any:
        """The estimate table (`EstimateTable`) by `by`, on the configured engines."""
        from aiuteur.stages import confirm

        return self._read(lambda store, project: confirm.estimate_table(store, project, by=self.by), None)

    def what_if(self) -> Any:
        """The table under the what-if engines and/or change; a refusal goes to the what-if message."""
        from aiuteur.stages import confirm

        engine_ids = {k: v.strip() for k, v in (("image", self.image_engine), ("video", self.video_engine)) if v.strip()}
        if not engine_ids and not self.change.strip():
            self._say("what-if", "give another engine or a change (e.g. redo-frames-scene:2)")
            return None
        if not self.studio.project:
            self._say("what-if", "pick a project first")
            return None
        try:
            with self.studio.open_store() as store:
                table = confirm.what_if(store, store.get_project(self.studio.project), self.change.strip() or None,
                                        by=self.by, engine_ids=engine_ids or None)
        except user_errors() as exc:
            self._say("what-if", f"no estimate: {exc}")
            return None
        what = table.change or ", ".join(f"{k} on {v}" for k, v in engine_ids.items())
        self._say("what-if", f"{what}: ${table.total_usd:.2f}")
        return table

    def shots(self) -> list[dict[str, Any]]:
        """What stage 12 will send, shot by shot: the frames (file paths), the exact video prompt and
        its sha256, the prompt's state, and what is stale."""
        from aiuteur.stages import frames, prompts

        def read(store, project):
            cards = prompts.list_prompts(store, project)
            heads = store.heads(project, "shot/")
            memo: dict = {}
            rows = []
            for card in cards:
                if self.scene and card.scene != self.scene:
                    continue
                stale = [f"prompt: {r}" for r in card.stale_reasons[:1]]
                pictures = heads.get(frames.key(card.shot_id))
                if pictures is None:
                    stale.append("no frames yet")
                elif store.staleness(pictures, memo).status == "stale":
                    stale.append(f"frames: {store.staleness(pictures, memo).reasons[0]}")
                elif pictures.status != "locked":
                    stale.append("frames not approved")
                paths = [str(store.media_path(r)) if r is not None and store.has_media(r) else None
                         for r in (card.start_frame, card.end_frame)]
                rows.append({"shot": card.shot_id, "scene": card.scene, "start": paths[0], "end": paths[1],
                             "video_prompt": card.video_prompt, "video_hash": card.video_hash,
                             "frame_hash": card.frame_hash, "state": card.state, "engine": card.video.engine,
                             "warnings": stale + card.problems})
            return rows
        return self._read(read, [])

    def warnings(self) -> list[str]:
        """What stands between the project and its render: the waiting gates before stage 12, stale
        or unapproved work, and the budget."""
        from aiuteur.stages import gate_actions

        def read(store, project):
            out = []
            for gate in ("prompts", "frames", "costs"):
                found = gate_actions.waiting_at(store, project, gate)
                if found is not None:
                    out.append(f"stage {found.stage}: {found.waiting} (`{found.command}`)")
            return out
        found = self._read(read, [])
        table = self.estimate()
        if table is not None and table.over_budget:
            found.append(f"over budget: ${table.committed_usd:.2f} committed + ${table.total_usd:.2f} to buy > "
                         f"${table.budget_usd:.2f}")
        return found

    # -- acting --------------------------------------------------------------------------------------
    def confirm_and_render(self) -> bool:
        """Approve the estimate (the stage-11 gate, within the budget) and run stage 12 — clips, sound,
        the film — on the studio's runner, with progress. A refusal (over budget, prompts or frames not
        passed) is shown beside the button and nothing is bought."""
        from aiuteur.stages import gate_actions

        if not self.studio.project:
            self._say("confirm", "pick a project first")
            return False
        try:
            with self.studio.open_store() as store:
                project = store.get_project(self.studio.project)
                for gate in ("prompts", "frames"):
                    waiting = gate_actions.waiting_at(store, project, gate)
                    if waiting is not None:
                        raise ValueError(f"stage {waiting.stage} first: {waiting.waiting} ({waiting.title})")
                engines = self.studio.pipeline.engines
                gate_actions.pass_gate(store, project, "costs", author=self.studio.author,
                                       **({"engines": engines} if engines is not None else {}))
        except user_errors() as exc:  # BudgetExceeded, a gate not passed...: said where the person clicked
            self._say("confirm", f"not confirmed: {exc}")
            return False
        self.studio.check_store()
        started = self.studio.pipeline.start(12, background=self.background, origin="costs")
        self._say("confirm", "estimate approved: rendering (stage 12)" if started else
                  f"estimate approved; render not started: {self.studio.pipeline.message}")
        return started
