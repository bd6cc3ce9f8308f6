"""The stage-10 page's state and actions (a scene's anchor frames) as a plain `param.Parameterized`:
no Panel import, tested by setting params and calling methods.

Everything goes through `aiuteur.stages.frames` — `frame_cards` (the contact sheet), `approve_frames`,
`regenerate_frames` (with `carry_forward_cost` shown before carrying a change forward),
`repair_region` (a rectangle), `frame_history`, `compare_frames`, `rollback_frames`,
`set_frames_mode` / `estimate_frames_mode` — the calls under `aiuteur frames` and its verbs. Making
frames is a run to stage 10 on the studio's runner (`PipelineModel`), so the page stays live; in
control mode, approving a shot starts the run that makes the next one.
"""
from __future__ import annotations

import base64
from typing import Any

import param

from aiuteur.errors import not_yet_errors, user_errors
from aiuteur.ui.studio_model import StudioModel


class FramesModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    scene = param.Integer(default=1, bounds=(1, None), doc="The scene on the contact sheet")
    shot = param.String(default="", doc="The shot the actions apply to")
    guidance = param.String(default="", doc="Guidance for a regeneration or a repair")
    carry_forward = param.Boolean(default=False, doc="Remake the shots that continue this one too (cost shown first)")
    which = param.Selector(default="start", objects=["start", "end"], doc="The frame a repair applies to")
    x = param.Integer(default=0, bounds=(0, None))
    y = param.Integer(default=0, bounds=(0, None))
    w = param.Integer(default=64, bounds=(1, None))
    h = param.Integer(default=64, bounds=(1, None))
    compare_a = param.Integer(default=1, bounds=(1, None))
    compare_b = param.Integer(default=1, bounds=(1, None))
    compare_mode = param.Selector(default="blend", objects=["blend", "flicker"])
    comparison = param.String(default="", doc="The last comparison as a data: URI (PNG or GIF)")
    rollback_to = param.Integer(default=1, bounds=(1, None))
    make_next = param.Boolean(default=True, doc="Control mode: approving a shot starts the run that makes the next")
    background = param.Boolean(default=True, doc="Runs go to a worker thread (False: here and now — tests)")
    message = param.String(default="")
    message_at = param.String(default="", doc="The control the message belongs to: approve, regenerate, repair, "
                                              "history, mode")
    revision = param.Integer(default=0)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.studio.param.watch(self._store_changed, ["project", "store_revision"])

    def _store_changed(self, event) -> None:
        if event.name == "project":
            self.param.update(shot="", comparison="", message="", scene=1)
        self.revision += 1

    def _say(self, where: str, text: str) -> None:
        self.param.update(message_at=where, message=text)

    def _read(self, action, default: Any) -> Any:
        if not self.studio.project:
            return default
        try:
            with self.studio.open_store() as store:
                return action(store, store.get_project(self.studio.project))
        except not_yet_errors():  # a view: nothing yet (stage 10 not run) or a busy workspace shows nothing
            return default

    def _act(self, where: str, label: str, action) -> Any:
        """Run an action; a refusal goes to `message` for the control `where`; success redraws every page."""
        if not self.studio.project:
            self._say(where, "pick a project first")
            return None
        try:
            with self.studio.open_store() as store:
                result = action(store, store.get_project(self.studio.project))
        except user_errors() as exc:  # the library's reason (FramesError, StageError, EngineError, ...) is shown
            self._say(where, f"{label}: {exc}")
            return None
        if not self.studio.check_store():
            self.revision += 1
        return result

    # -- reading ------------------------------------------------------------------------------------
    def scenes(self) -> list[int]:
        from aiuteur.stages import shots

        return self._read(lambda store, project: shots.scenes(store, project), [])

    def cards(self, *, drift: bool = False) -> list:
        """The scene's contact sheet (`FrameCard`s in cut order), with drift flags when asked."""
        from aiuteur.stages import frames

        return self._read(lambda store, project: frames.frame_cards(store, project, self.scene, drift=drift), [])

    def mode(self) -> str:
        from aiuteur.stages import frames

        return self._read(lambda store, project: frames.frames_mode(store, project), "quick")

    def mode_estimates(self) -> list:
        """Stage 10 priced in each mode (images still to make, cost, rounds of approval)."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        return self._read(lambda store, project: frames.estimate_frames_mode(store, project,
                                                                             engines_for(store, project)), [])

    def history(self) -> list:
        """The selected shot's frame versions, oldest first (`FrameVersionInfo`)."""
        from aiuteur.stages import frames

        if not self.shot:
            return []
        return self._read(lambda store, project: frames.frame_history(store, project, self.shot), [])

    def carry_cost(self) -> float | None:
        """What carrying the selected shot's change forward would cost (shown before it is done)."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        if not self.shot:
            return None
        return self._read(lambda store, project: frames.carry_forward_cost(store, project, engines_for(store, project),
                                                                          self.shot), None)

    def media_paths(self, refs: list) -> list[str | None]:
        """Files for media refs (thumbnails of history entries)."""
        def read(store, project):
            return [str(store.media_path(r)) if r is not None and store.has_media(r) else None for r in refs]
        return self._read(read, [None] * len(refs))

    # -- acting --------------------------------------------------------------------------------------
    def select(self, shot_id: str) -> None:
        self.shot = shot_id
        numbers = [v.version for v in self.history()]
        if numbers:
            self.param.update(compare_a=numbers[-2] if len(numbers) > 1 else numbers[0], compare_b=numbers[-1],
                              rollback_to=numbers[-2] if len(numbers) > 1 else numbers[0], comparison="")

    def set_mode(self, mode: str) -> Any:
        from aiuteur.stages import frames

        done = self._act("mode", "mode not set", lambda store, project: frames.set_frames_mode(
            store, project, mode, author=self.studio.author))
        if done is not None:
            self._say("mode", f"frames mode: {mode}")
        return done

    def approve(self, shot_id: str | None = None) -> Any:
        """Approve a shot's frames; in control mode (with `make_next`) the run that makes the next
        shot's frames starts at once."""
        from aiuteur.stages import frames

        shot = shot_id or self.shot
        if not shot:
            self._say("approve", "pick a shot first")
            return None
        done = self._act("approve", f"{shot} not approved", lambda store, project: frames.approve_frames(
            store, project, shot, author=self.studio.author))
        if done is None:
            return None
        self._say("approve", f"{shot} frames v{done.number} approved")
        if self.make_next and self.mode() == "control" and not self._scene_done():
            self.studio.pipeline.start(10, background=self.background, origin="frames", after_current=True)
        return done

    def _scene_done(self) -> bool:
        return all(c.state == "approved" for c in self.cards())

    def approve_scene(self) -> list | None:
        """Approve every pending frame of the scene (the stage-10 gate for this scene)."""
        from aiuteur.stages import gate_actions

        done = self._act("approve", f"scene {self.scene} not approved", lambda store, project: gate_actions.pass_gate(
            store, project, "frames", scene=self.scene, author=self.studio.author))
        if done is not None:
            self._say("approve", f"scene {self.scene}: {len(done)} shot(s) approved")
        return done

    def regenerate(self) -> list | None:
        """New frames for the selected shot following `guidance` (this shot only, unless
        `carry_forward`: then the shots continuing it too, whose cost `carry_cost()` shows first)."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        shot = self.shot
        if not shot:
            self._say("regenerate", "pick a shot first")
            return None
        written = self._act("regenerate", f"{shot} not regenerated", lambda store, project: frames.regenerate_frames(
            store, project, engines_for(store, project), shot, guidance=self.guidance.strip(),
            carry_forward=self.carry_forward, author=self.studio.author))
        if written is not None:
            self._say("regenerate", "new frames: " + ", ".join(f"{v.artifact_key.split('/')[1]} v{v.number}" for v in written))
            self.guidance = ""
        return written

    def repair(self) -> Any:
        """Repaint the rectangle (x, y, w, h) of the selected shot's `which` frame following `guidance`."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        shot = self.shot
        if not shot:
            self._say("repair", "pick a shot first")
            return None
        rect = (self.x, self.y, self.w, self.h)
        done = self._act("repair", f"{shot} not repaired", lambda store, project: frames.repair_region(
            store, project, engines_for(store, project), shot, self.which, rect, guidance=self.guidance.strip(),
            author=self.studio.author))
        if done is not None:
            self._say("repair", f"{shot} {self.which} frame repaired: v{done.number}")
        return done

    def compare(self) -> str:
        """Versions `compare_a` and `compare_b` blended (PNG) or flickering (GIF), as a data: URI."""
        from aiuteur.stages import frames

        shot = self.shot
        if not shot:
            self._say("history", "pick a shot first")
            return ""
        data = self._act("history", "no comparison", lambda store, project: frames.compare_frames(
            store, project, shot, self.compare_a, self.compare_b, mode=self.compare_mode))
        if data is None:
            return ""
        mime = "image/png" if self.compare_mode == "blend" else "image/gif"
        self.comparison = f"data:{mime};base64," + base64.b64encode(data).decode()
        self._say("history", f"v{self.compare_a} and v{self.compare_b} ({self.compare_mode})")
        return self.comparison

    def rollback(self) -> Any:
        """Move the selected shot's frames head back to `rollback_to` (a logged head move)."""
        from aiuteur.stages import frames

        shot = self.shot
        if not shot:
            self._say("history", "pick a shot first")
            return None
        done = self._act("history", "no rollback", lambda store, project: frames.rollback_frames(
            store, project, shot, self.rollback_to, author=self.studio.author))
        if done is not None:
            self._say("history", f"{shot} frames back at v{self.rollback_to}")
        return done

    def make_frames(self) -> bool:
        """Make the missing or stale frames (a run to stage 10 on the studio's runner)."""
        return self.studio.pipeline.start(10, background=self.background, origin="frames")
