"""Stage 10 (anchor frames) from the command line: `aiuteur frames`, `frames-regenerate`, `frames-repair`, `frames-history`, `frames-compare`, `frames-rollback`,
`frames-mode` and `frames-drift`.

Thin: each command calls `aiuteur.stages.frames` (the functions the Panel page and the notebook
call) and prints a table, or with `--json` the documented JSON (docs/cli.md, docs/frames.md).
Approving frames is the stage-10 gate: `aiuteur frames-approve` (aiuteur/commands/gates.py) calls
`frames.approve_frames`.
"""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Optional

import typer

_STATE_COLOURS = {"approved": "green", "pending": "yellow", "stale": "red", "missing": "dim"}


def _who() -> str:
    try:
        return getpass.getuser() or "user"
    except (KeyError, OSError):
        return "user"


def _rect(text: str) -> tuple[int, int, int, int]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(p.lstrip("-").isdigit() for p in parts):
        raise ValueError(f"--rect is x,y,w,h in pixels (four whole numbers), not {text!r}")
    x, y, w, h = (int(p) for p in parts)
    return x, y, w, h


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _store, _guard, console

    def _dump(value) -> None:
        if isinstance(value, list):
            print(json.dumps([v.model_dump(mode="json") for v in value], indent=2))
        else:
            print(json.dumps(value.model_dump(mode="json"), indent=2))

    @app.command("frames")
    @_guard
    def frames_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        scene: Optional[int] = typer.Option(None, "--scene", help="Only this scene (default: every scene)."),
        drift: bool = typer.Option(False, "--drift", help="Also check each character against its key image."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """The frames contact sheet: each shot's start/end frames, state, version, continuity."""
        from rich.table import Table

        from aiuteur.stages import frames, shots

        with _store(workspace) as store:
            found = store.get_project(project)
            numbers = [scene] if scene is not None else shots.scenes(store, found)
            cards = [card for n in numbers for card in frames.frame_cards(store, found, n, drift=drift)]
            if as_json:
                _dump(cards)
                return
            mode = frames.frames_mode(store, found)
            table = Table("shot", "state", "v", "start", "end", "continues", "references", "drift",
                          title=f"{found.name}: frames ({mode} mode)")
            for c in cards:
                state = f"[{_STATE_COLOURS[c.state]}]{c.state}[/]" + (" (waiting)" if c.waiting else "")
                cont = (c.continues_from or "-") + (" [red](changed)[/]" if c.continuity_changed else "")
                refs = ", ".join(f"{r.role}:{r.name}" for r in c.references.get("end", []))
                table.add_row(c.shot_id, state, str(c.version or "-"), c.start.sha256[:10] if c.start else "-",
                              c.end.sha256[:10] if c.end else "-", cont,
                              refs[:60] or "-", ", ".join(f"{f.moment}:{f.character}" for f in c.drift) or "-")
            console.print(table)
            done = frames.frames_locked(store, found)
            console.print("stage 10 locked: every frame approved" if done else
                          f"approve each shot: `aiuteur frames-approve {found.name} SHOT`")

    @app.command("frames-regenerate")
    @_guard
    def regenerate_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        guidance: str = typer.Option("", "--guidance", "-g", help="What to change, in words."),
        carry_forward: bool = typer.Option(False, "--carry-forward", help="Also redo the shots that continue this "
                                                                          "one (their cost is shown first)."),
        yes: bool = typer.Option(False, "--yes", help="With --carry-forward: go ahead after showing the cost."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """New frames for one shot (pays for this shot's two frames only, unless --carry-forward)."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        with _store(workspace) as store:
            found = store.get_project(project)
            engines = engines_for(store, found)
            if carry_forward:
                cost = frames.carry_forward_cost(store, found, engines, shot)
                if not yes:
                    raise ValueError(f"carrying {shot}'s change forward costs ${cost:.2f} (the frames and clips of "
                                     "the shots that continue it): run again with --yes to go ahead")
                console.print(f"carrying forward: ${cost:.2f}")
            versions = frames.regenerate_frames(store, found, engines, shot, guidance=guidance,
                                                carry_forward=carry_forward, author=_who())
            if as_json:
                from aiuteur.documents import frames_written_document

                print(json.dumps(frames_written_document(versions), indent=2))
                return
            for v in versions:
                console.print(f"wrote {v.label}: {v.message}")

    @app.command("frames-repair")
    @_guard
    def repair_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        which: str = typer.Option("start", "--frame", help="start or end."),
        rect: Optional[str] = typer.Option(None, "--rect", help="The region: x,y,w,h in pixels."),
        mask: Optional[Path] = typer.Option(None, "--mask", help="A brush mask PNG (white or opaque = repaint)."),
        guidance: str = typer.Option("", "--guidance", "-g", help="What to paint there."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Repaint a region of a frame; the rest of the frame is kept pixel for pixel."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames
        from aiuteur.validate import read_regular_file

        if (rect is None) == (mask is None):
            raise ValueError("give the region as --rect x,y,w,h or --mask PNG (one of them)")
        region = _rect(rect) if rect is not None else read_regular_file(mask, 50_000_000)  # type: ignore[arg-type]
        with _store(workspace) as store:
            found = store.get_project(project)
            version = frames.repair_region(store, found, engines_for(store, found), shot, which, region,  # type: ignore[arg-type]
                                           guidance=guidance, author=_who())
            if as_json:
                from aiuteur.documents import frames_repair_document

                print(json.dumps(frames_repair_document(version), indent=2))
                return
            console.print(f"wrote {version.label}: {version.message}")

    @app.command("frames-history")
    @_guard
    def history_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Every version of a shot's frames (the current one marked)."""
        from rich.table import Table

        from aiuteur.stages import frames

        with _store(workspace) as store:
            history = frames.frame_history(store, store.get_project(project), shot)
            if as_json:
                _dump(history)
                return
            table = Table("v", "", "status", "author", "message", "start", title=f"{shot}: frames history")
            for h in history:
                table.add_row(str(h.version), "*" if h.current else "", h.status, h.author, h.message, h.start.sha256[:12])
            console.print(table)

    @app.command("frames-compare")
    @_guard
    def compare_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        a: int = typer.Argument(..., help="A version number."),
        b: int = typer.Argument(..., help="Another version number."),
        mode: str = typer.Option("blend", "--mode", help="blend (a PNG) or flicker (a GIF)."),
        out: Path = typer.Option(..., "--out", help="Where to write the picture."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """Two versions of a shot's frames (start | end) blended or flickering, written to --out."""
        from aiuteur.stages import frames

        with _store(workspace) as store:
            data = frames.compare_frames(store, store.get_project(project), shot, a, b, mode=mode)  # type: ignore[arg-type]
        out.write_bytes(data)
        console.print(f"wrote {out} ({len(data)} bytes)")

    @app.command("frames-rollback")
    @_guard
    def rollback_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        version: int = typer.Argument(..., help="The version number to go back to."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """Point a shot's frames back at an earlier version (a logged head move)."""
        from aiuteur.stages import frames

        with _store(workspace) as store:
            moved = frames.rollback_frames(store, store.get_project(project), shot, version, author=_who())
            console.print(f"{shot} frames are v{moved.number} again")

    @app.command("frames-mode")
    @_guard
    def mode_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        mode: Optional[str] = typer.Argument(None, help="quick or control (omit to show the mode and estimates)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Show or set how stage 10 runs: quick (all at once) or control (shot by shot, after approval)."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import frames

        with _store(workspace) as store:
            found = store.get_project(project)
            if mode is not None:
                frames.set_frames_mode(store, found, mode, author=_who())
            if as_json:
                from aiuteur.documents import frames_mode_document

                print(json.dumps(frames_mode_document(store, found, engines_for(store, found)), indent=2))
                return
            estimates = frames.estimate_frames_mode(store, found, engines_for(store, found))
            current = frames.frames_mode(store, found)
            console.print(f"frames mode: {current}")
            for e in estimates:
                console.print(f"  {e.mode}: {e.images} images on {e.engine}, ${e.cost_usd:.2f}, "
                              f"{e.rounds} round(s) of approval: {e.note}")

    @app.command("frames-drift")
    @_guard
    def drift_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        scene: int = typer.Option(..., "--scene", help="The scene to check."),
        threshold: Optional[float] = typer.Option(None, "--threshold", help="Distance past which a look has drifted "
                                                                             "(0..1; default 0.49)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Characters whose look in a frame drifted from their asset's key image."""
        from aiuteur.stages import frames

        with _store(workspace) as store:
            flags = frames.drift_report(store, store.get_project(project), scene, threshold=threshold)
            if as_json:
                _dump(flags)
                return
            for f in flags:
                mark = "[red]DRIFT[/]" if f.drifted else "ok"
                console.print(f"{f.shot_id} {f.moment:5} {f.character:20} {f.distance:.3f} {mark}")
