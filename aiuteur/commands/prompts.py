"""Prompt inspector (stage 9): `aiuteur prompts`, `prompt-edit`, `prompts-lock`, `prompt-diff`,
`prompt-resolve`. Each calls `aiuteur.stages.prompts` (the same calls as the Panel page and the
notebook); `--json` prints the `PromptCard` documents."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    @app.command("prompts")
    @_guard
    def prompts_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: Optional[str] = typer.Option(None, "--shot", help="Only this shot."),
        scene: Optional[int] = typer.Option(None, "--scene", help="Only this scene."),
        image_engine: Optional[str] = typer.Option(None, "--image", help="Check against this image engine instead."),
        video_engine: Optional[str] = typer.Option(None, "--video", help="Check against this video engine instead."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 9: every shot's frame and video prompt, state, version, target models and problems."""
        from aiuteur.stages import prompts

        with _store(workspace) as store:
            found = store.get_project(project)
            cards = prompts.list_prompts(store, found, shot_id=shot,
                                         engine_ids={"image": image_engine or "", "video": video_engine or ""}
                                         if image_engine or video_engine else None)
        if scene is not None:
            cards = [c for c in cards if c.scene == scene]
        if as_json:
            from aiuteur.documents import prompt_cards_document

            print(json.dumps(prompt_cards_document(cards), indent=2, ensure_ascii=False))
            return
        if not cards:
            say("no prompts yet: run stage 9")
            return
        first = cards[0]
        say(f"image: {first.image.engine} (prompt <= {first.image.prompt_chars} chars, people: {first.image.people}); "
            f"video: {first.video.engine} (prompt <= {first.video.prompt_chars} chars, people: {first.video.people})")
        for c in cards:
            say(f"\n{c.shot_id} (scene {c.scene}) v{c.version} {c.state}" + (" [manual]" if c.manual else ""))
            if shot or len(cards) == 1:
                say("  frame:\n    " + c.frame_prompt.replace("\n", "\n    "))
                say("  video:\n    " + c.video_prompt.replace("\n", "\n    "))
                if c.regenerated is not None:
                    say("  regenerated frame:\n    " + c.regenerated.frame_prompt.replace("\n", "\n    "))
                    say("  regenerated video:\n    " + c.regenerated.video_prompt.replace("\n", "\n    "))
            else:
                say(f"  frame: {c.frame_prompt.splitlines()[0][:100] if c.frame_prompt else ''}")
            for reason in c.stale_reasons[:2]:
                say(f"  stale: {reason}")
            for problem in c.problems:
                say(f"  problem: {problem}")

    @app.command("prompt-edit")
    @_guard
    def prompt_edit(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        frame: Optional[str] = typer.Option(None, "--frame", help="The new frame prompt."),
        video: Optional[str] = typer.Option(None, "--video", help="The new video prompt."),
        yes: bool = typer.Option(False, "--yes", help="Confirm without asking when frames or clips turn stale."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Edit a shot's frame and/or video prompt: a new version marked manual (asks when frames or clips exist)."""
        from aiuteur.commands.gates import confirmed
        from aiuteur.stages import prompts

        if frame is None and video is None:
            raise ValueError("give --frame TEXT and/or --video TEXT")
        with _store(workspace) as store:
            found = store.get_project(project)
            version = confirmed(lambda ok: prompts.edit(store, found, shot, frame_prompt=frame, video_prompt=video,
                                                        confirm_invalidation=ok), yes)
            card = prompts.list_prompts(store, found, shot_id=shot)[0]
        if as_json:
            print(json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return
        say(f"{version.label}: edited by hand ({card.state})")
        for problem in card.problems:
            say(f"  problem: {problem}")

    @app.command("prompts-lock")
    @_guard
    def prompts_lock(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: Optional[str] = typer.Option(None, "--shot", help="Only this shot."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 9 gate: lock every prompt (or one); refused, naming each shot and problem, while any has problems."""
        from aiuteur.stages import prompts

        with _store(workspace) as store:
            versions = prompts.lock_prompts(store, store.get_project(project), shot_id=shot)
        if as_json:
            from aiuteur.documents import locked_prompts_document

            print(json.dumps(locked_prompts_document(versions), indent=2))
            return
        say(f"locked {len(versions)} prompt(s)")

    @app.command("prompt-diff")
    @_guard
    def prompt_diff(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        a: int = typer.Argument(..., help="A version number."),
        b: int = typer.Argument(..., help="Another version number."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """A unified diff of two versions of a shot's prompts (frame, then video)."""
        from aiuteur.stages import prompts

        with _store(workspace) as store:
            text = prompts.diff_prompts(store, store.get_project(project), shot, a, b)
        say(text or f"v{a} and v{b} have the same prompts")

    @app.command("prompt-resolve")
    @_guard
    def prompt_resolve(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="Shot id."),
        choice: str = typer.Argument(..., help="keep (the hand edit), take (the regenerated prompt) or merge."),
        frame: Optional[str] = typer.Option(None, "--frame", help="merge: the frame prompt to use."),
        video: Optional[str] = typer.Option(None, "--video", help="merge: the video prompt to use."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """An "edited, stale" prompt: keep the edit, take the regenerated prompt, or merge (--frame/--video)."""
        from aiuteur.stages import prompts

        merged = {k: v for k, v in (("frame_prompt", frame), ("video_prompt", video)) if v is not None}
        if choice == "merge" and not merged:
            raise ValueError("merge: give --frame TEXT and/or --video TEXT (the rest is kept from the edit)")
        with _store(workspace) as store:
            found = store.get_project(project)
            version = prompts.resolve_stale_prompt(store, found, shot, choice, merged=merged or None)
            card = prompts.list_prompts(store, found, shot_id=shot)[0]
        if as_json:
            print(json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return
        say(f"{version.label}: {version.message} ({card.state})")
