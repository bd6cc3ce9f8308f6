"""Running stages 5-12 from the studio: the run with its progress, where it stopped, and the button
that passes the human gate it stopped at — as a plain `param.Parameterized`, tested without a browser.

The run is `aiuteur.pipeline.run(..., until=N, auto_lock=False)`, the call under `aiuteur run P
--until N`: it stops at the next gate a person must pass and the report says which
(`report.stopped_at`, a `GateInfo`). It runs on a worker thread so the page stays live; the thread
only writes a private snapshot, and `poll()` — the page's periodic callback, on the server's own
thread — copies it into the params the views watch (Bokeh models are never touched off that thread).
Gates are passed with `aiuteur.stages.gate_actions.pass_gate`, the same call as the CLI verbs.
"""
from __future__ import annotations

import threading
from typing import Any

import param

from aiuteur.errors import not_yet_errors, user_errors
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the studio model makes this one (lazily): importing it here would be a cycle
    from aiuteur.ui.studio_model import StudioModel

#: the stages a studio runs from the Run page (1-4 are the Story page's, one gate at a time)
RUNNABLE = {5: "assets", 6: "hub", 7: "shots", 8: "visual_states", 9: "prompts", 10: "frames", 11: "confirm",
            12: "video"}


class PipelineModel(param.Parameterized):
    studio = param.ClassSelector(class_=param.Parameterized, doc="The StudioModel whose project this runs")
    until = param.Selector(default=12, objects=list(RUNNABLE), doc="Run up to this stage (5-12)")
    running = param.Boolean(default=False, doc="A run is in progress (one at a time per studio)")
    stage = param.String(default="", doc="The stage the run is in (slug)")
    done = param.Integer(default=0)
    total = param.Integer(default=0)
    status = param.String(default="", doc="The run's progress in words")
    message = param.String(default="", doc="How the last run or gate action ended (errors included)")
    origin = param.String(default="", doc="Which control started the last run or gate action: its message "
                                          "shows there, where the person clicked")
    gate = param.Dict(default=None, allow_None=True, doc="The gate a person must pass now (GateInfo as JSON)")
    engines = param.Parameter(default=None, doc="Engines to run on (None: those configured for the project)")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._lock = threading.Lock()
        self._again: tuple[int | None, bool, str] | None = None  # a run asked for while one ran: (until, background, origin)
        self._live: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self.studio.param.watch(lambda _: self.refresh_gate(), ["project", "store_revision"])
        self.refresh_gate()

    # -- the gate waiting now -------------------------------------------------------------------------
    def refresh_gate(self) -> None:
        """Read which gate waits (`gate_actions.next_gate`); nothing while a run is in progress."""
        if self.running:
            return
        if not self.studio.project:
            self.gate = None
            return
        try:
            from aiuteur.stages.gate_actions import next_gate

            with self.studio.open_store() as store:
                info = next_gate(store, store.get_project(self.studio.project))
        except not_yet_errors():  # a view: a busy workspace or a project without a script shows no gate
            return
        self.gate = info.model_dump(mode="json") if info is not None else None

    def pass_gate(self, *, origin: str = "", **choice: Any) -> bool:
        """Pass the waiting gate with its default choice (or `choice`, e.g. variant=1) — the call under
        the CLI verb shown beside the button. Refusals (a shot list with problems...) land in `message`."""
        self.origin = origin
        if self.running:
            self.message = "a run is in progress: pass the gate when it stops"
            return False
        if not self.gate:
            self.message = "no gate is waiting"
            return False
        gate, before = dict(self.gate), self.studio.store_revision

        def passing(store, project, confirm_invalidation):
            from aiuteur.stages.gate_actions import pass_gate

            return pass_gate(store, project, gate["gate"], author=self.studio.author,
                             confirm_invalidation=confirm_invalidation,
                             **{**_where(gate), **choice})

        result = self.studio.ask_first(f"pass gate {gate['stage']} ({gate['title']})", passing)
        if result is None:
            self.message = self.studio.message if not self.studio.pending else \
                f"gate {gate['stage']}: confirm in the dialog first"
            return False
        self.message = f"passed: {gate['title']} ({gate['waiting']})"
        self._after_change(before)
        return True

    def _after_change(self, revision: int) -> None:
        """Every page re-reads, the gate too (through `store_revision`, unless it moved already since
        `revision`); the gate is read again even when the workspace looks unchanged."""
        if self.studio.store_revision == revision and not self.studio.check_store():
            self.refresh_gate()

    # -- the run ----------------------------------------------------------------------------------
    def start(self, until: int | None = None, *, background: bool = True, origin: str = "",
              after_current: bool = False) -> bool:
        """Run stages up to `until` (default: the `until` param) for the studio's project: on a worker
        thread (`background`), or here and now (tests, notebooks). False when refused. While a run is
        in progress a new one is refused, unless `after_current`: then it starts when that run ends
        (an approval in control mode must make the next shot even if the run it stopped is still
        finishing other scenes)."""
        self.origin = origin
        if until is not None and until not in RUNNABLE:
            self.message = f"run to stage {until}: choose a stage from 5 to 12"
            return False
        if self.running:
            if not after_current:
                self.message = "a run is already in progress"
                return False
            self._again = (until, background, origin)
            self.message = "queued: runs again when the current run ends"
            return True
        if until is not None:
            self.until = until
        if not self.studio.project:
            self.message = "pick a project first"
            return False
        project, target = self.studio.project, self.until
        self.gate = None
        self.param.update(running=True, stage="", done=0, total=0, message="",
                          status=f"starting: stages up to {target} ({RUNNABLE[target]})")
        with self._lock:
            self._live = {"status": self.status}
        if not background:
            self._work(project, target)
            self.poll()
            return True
        self._thread = threading.Thread(target=self._work, args=(project, target), name="aiuteur-studio-run",
                                        daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the run thread ends, then take its outcome (tests, notebooks); a run queued
        behind it (`after_current`) starts then and is waited for too."""
        while True:
            thread = self._thread
            if thread is not None:
                thread.join(timeout)
                if thread.is_alive():  # timed out: still running
                    return
            self.poll()
            if self._thread is thread:
                return

    def _tell(self, stage: str, done: int, total: int, text: str) -> None:
        from aiuteur.stages.catalog import stage as stage_info

        info = stage_info(stage)
        count = f": {done} of {total}" if total > 1 else ""
        with self._lock:
            self._live.update(stage=stage, done=done, total=total,
                              status=f"stage {info.number} {info.title}{count} ({text})")

    def _work(self, project_name: str, target: int) -> None:
        from aiuteur import pipeline
        from aiuteur.engines.config import engines_for

        outcome: dict[str, Any] = {"finished": True}
        try:
            with self.studio.open_store() as store:
                project = store.get_project(project_name)
                engines = self.engines if self.engines is not None else engines_for(store, project)
                report = pipeline.run(store, project, engines, until=RUNNABLE[target], auto_lock=False,
                                      progress=self._tell)
                stopped = report.stopped_at
                after = None if stopped is not None else _next_gate(store, project)
            if stopped is not None:
                outcome["message"] = (f"stopped at stage {stopped.stage} ({stopped.title}): {stopped.waiting}. "
                                      f"Pass the gate, or run `{stopped.command}`")
            elif report.film is not None and target == 12:
                outcome["message"] = f"done: the film is made ({report.film.duration:.1f} s, {len(report.film.clips)} shots)"
            else:
                outcome["message"] = f"done: stages up to {target} ran" + (
                    f"; waiting at stage {after.stage} ({after.title}): {after.waiting}" if after else "")
        except user_errors() as exc:  # the run's error goes where the person clicked Run: nothing is lost
            outcome["message"] = f"run stopped: {type(exc).__name__}: {exc}"
        except BaseException as exc:  # a bug: the page says so, and the thread raises it (its traceback)
            outcome["message"] = f"run stopped by a bug: {type(exc).__name__}: {exc}"
            with self._lock:
                self._live.update(outcome)
            raise
        with self._lock:
            self._live.update(outcome)

    def poll(self) -> bool:
        """Copy the run's progress into the params (from the page's periodic callback); at the end of a
        run, read the waiting gate and tell every page the store changed. True while running."""
        with self._lock:
            live, self._live = dict(self._live), ({} if self._live.get("finished") else self._live)
        if not live:
            return self.running
        update = {k: live[k] for k in ("stage", "done", "total", "status") if k in live}
        if live.get("finished"):
            update.update(running=False, message=live.get("message", ""), status="")
        self.param.update(**update)
        if live.get("finished"):
            self._after_change(self.studio.store_revision)
            again, self._again = self._again, None
            if again is not None:
                until, background, origin = again
                self.start(until, background=background, origin=origin)
        return self.running

    @property
    def fraction(self) -> float:
        """How far the current stage is (0..1), for a progress bar."""
        return self.done / self.total if self.total else 0.0


def _next_gate(store, project):
    from aiuteur.stages.gate_actions import next_gate

    return next_gate(store, project)


def _where(gate: dict[str, Any]) -> dict[str, Any]:
    """The scene or shot a gate is about, as `pass_gate` keywords. The frames gate names its first
    pending shot, but the button approves the scene's frames (what a person looked at on the sheet)."""
    keys = ("scene",) if gate["gate"] == "frames" else ("scene", "shot_id")
    return {k: gate[k] for k in keys if gate.get(k) is not None}
