"""Review (stage 12) from the command line: `aiuteur notes`, `note`, `retake`, `approve-clip`,
`review-routes` and `notifications`.

Thin: each command calls `aiuteur.stages.review` or `aiuteur.notify` and prints a table, or with
`--json` the documented JSON (docs/cli.md, docs/review.md).
"""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

_STATE_COLOURS = {"open": "yellow", "in_progress": "cyan", "resolved": "green", "wont_fix": "dim"}


def _who() -> str:
    """The person at the keyboard, for a note's author (never a secret: the login name)."""
    try:
        return getpass.getuser() or "user"
    except (KeyError, OSError):
        return "user"


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    def notes_table(title: str, notes) -> Table:
        table = Table("id", "timecode", "shot", "category", "stage", "state", "author", "assignee", "text", title=title)
        for n in notes:
            category = n.category or (f"{n.suggested_category}? ({n.suggested_by})" if n.suggested_category else "-")
            table.add_row(n.id, n.timecode or "-", n.shot or n.target, category, n.stage or "-",
                          f"[{_STATE_COLOURS[n.state]}]{n.state}[/]", n.author, n.assignee or "-", n.text[:60])
        return table

    @app.command("notes")
    @_guard
    def notes_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        state: Optional[List[str]] = typer.Option(None, "--state", help="Only notes in this state (repeatable): "
                                                                        "open, in_progress, resolved, wont_fix."),
        shot_filter: Optional[str] = typer.Option(None, "--on", help="Only the notes on this shot."),
        add: Optional[str] = typer.Option(None, "--add", help="Add a note with this text (needs --shot)."),
        shot: Optional[str] = typer.Option(None, "--shot", help="With --add: the shot id (or scene/N, or film)."),
        at: Optional[str] = typer.Option(None, "--at", help="With --add: HH:MM:SS:FF in the film, at the project's fps "
                                                            "(default: the shot's first frame)."),
        category: Optional[str] = typer.Option(None, "--category", help="With --add: the category (confirmed); "
                                                                        "without it one is only suggested."),
        assign: Optional[str] = typer.Option(None, "--assign", help="With --add: who should act on it (notified)."),
        author: Optional[str] = typer.Option(None, "--author", help="Who writes the note (default: your login)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """List a project's review notes, or add one (--add TEXT --shot ID [--at HH:MM:SS:FF] [--category C])."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import review

        if add is None and any(v is not None for v in (shot, at, category, assign)):
            raise ValueError("--shot, --at, --category and --assign go with --add TEXT")
        with _store(workspace) as store:
            found = store.get_project(project)
            if add is not None:
                if not shot:
                    raise ValueError("--add needs --shot ID (a shot id, scene/N or film): `aiuteur notes "
                                     f"{found.name}` after `aiuteur shots {found.name}` lists the shot ids")
                engines = engines_for(store, found) if category is None else None  # a real text engine may propose
                note = review.add_note(store, found, shot, add, at=at, category=category, author=author or _who(),
                                       assignee=assign, engines=engines)
                if as_json:
                    print(json.dumps(note.as_row(), indent=2))
                    return
                routed = (f"category {note.category} -> stage {note.stage}" if note.category else
                          f"suggested category {note.suggested_category} -> stage {note.stage} ({note.suggested_by}); "
                          f"confirm: aiuteur note {found.name} {note.id} --confirm" if note.suggested_category else
                          f"no category suggested: aiuteur note {found.name} {note.id} --category C")
                console.print(f"note {note.id} on {note.shot or note.target} at {note.timecode or '-'}: {routed}")
                return
            notes = review.list_notes(store, found, state=state or None, shot=shot_filter)
        if as_json:
            from aiuteur.documents import notes_document

            print(json.dumps(notes_document(notes), indent=2))
            return
        console.print(notes_table(f"{found.name}: review notes", notes) if notes else f"{found.name}: no review notes")

    @app.command("note")
    @_guard
    def note_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        note_id: str = typer.Argument(..., help="The note's id (from `aiuteur notes`)."),
        confirm: bool = typer.Option(False, "--confirm", help="Confirm the suggested category."),
        category: Optional[str] = typer.Option(None, "--category", help="Set (and confirm) this category."),
        state: Optional[str] = typer.Option(None, "--state", help="open, in_progress, resolved or wont_fix."),
        assign: Optional[str] = typer.Option(None, "--assign", help="Assign the note to a person (notified)."),
        author: Optional[str] = typer.Option(None, "--author", help="Who acts (default: your login)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """One note: its history and where to fix it (go to stage); confirm its category, set its state, assign it."""
        from aiuteur.documents import note_document
        from aiuteur.stages import review

        who = author or _who()
        with _store(workspace) as store:
            found = store.get_project(project)
            note = review.get_note(store, found, note_id)
            if confirm or category:
                note = review.confirm_category(store, found, note_id, category, author=who)
            if assign:
                note = review.assign(store, found, note_id, assign, author=who)
            if state:
                note = review.set_state(store, found, note_id, state, author=who)
            document = note_document(store, found, note)
            link = review.go_to(store, found, note_id) if note.stage else None
            events = store.note_events(note_id)
        if as_json:
            print(json.dumps(document, indent=2))
            return
        console.print(notes_table(f"{found.name}: note {note.id}", [note]))
        if link:
            console.print(f"go to stage {link.number} '{link.title}' — studio page {link.page}"
                          + (f", {link.artifact_key}" if link.artifact_key else ""))
        for e in events:
            console.print(f"  {e.created_at:%Y-%m-%d %H:%M:%S} {e.author}: {e.action} {json.dumps(e.detail)}",
                          highlight=False)

    @app.command("retake")
    @_guard
    def retake_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        note_id: str = typer.Argument(..., help="The note the retake is for."),
        seed: int = typer.Option(0, "--seed", help="Seed for the new clips."),
        no_film: bool = typer.Option(False, "--no-film", help="Do not rebuild the film after the new clips."),
        author: Optional[str] = typer.Option(None, "--author", help="Who asks (default: your login)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Make the note's shots' clips again from their fixed inputs, link them to the note, rebuild the film."""
        from aiuteur.engines.config import engines_for
        from aiuteur.stages import review

        with _store(workspace) as store:
            found = store.get_project(project)
            done = review.retake(store, found, engines_for(store, found), note_id, seed=seed, author=author or _who(),
                                 assemble=not no_film)
        if as_json:
            from aiuteur.documents import retake_document

            print(json.dumps(retake_document(done), indent=2))
            return
        console.print(f"note {note_id}: {', '.join(v.label for v in done.clips)} made; "
                      + (f"film rebuilt ({done.film.label})" if done.film else done.film_note)
                      + f". Approve with `aiuteur approve-clip {found.name} SHOT`.")

    @app.command("approve-clip")
    @_guard
    def approve_clip_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        shot: str = typer.Argument(..., help="The shot whose current clip is approved."),
        author: Optional[str] = typer.Option(None, "--author", help="Who approves (default: your login)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Approve (lock) a shot's current clip; the notes whose retakes are all approved resolve."""
        from aiuteur.stages import review

        with _store(workspace) as store:
            found = store.get_project(project)
            clip, resolved = review.approve_clip(store, found, shot, author=author or _who())
        if as_json:
            from aiuteur.documents import approve_clip_document

            print(json.dumps(approve_clip_document(clip, resolved), indent=2))
            return
        console.print(f"approved {clip.label}" + (f"; resolved {', '.join(n.id for n in resolved)}" if resolved else ""))

    @app.command("review-routes")
    @_guard
    def review_routes_command(as_json: bool = JsonOpt) -> None:
        """The routing table: each note category and the stage that fixes it (data/review_routes.json)."""
        from aiuteur.stages import review

        table = review.load_routes()
        if as_json:
            from aiuteur.documents import review_routes_document

            print(json.dumps(review_routes_document(table), indent=2))
            return
        out = Table("category", "stage", "what it covers", "words the rules look for", title=f"review routes ({table.source})")
        for r in table.routes:
            out.add_row(r.category, r.stage, r.description, ", ".join(r.keywords[:8]) + (" ..." if len(r.keywords) > 8 else ""))
        console.print(out)

    @app.command("notifications")
    @_guard
    def notifications_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        webhook: Optional[str] = typer.Option(None, "--add-webhook", help="Send notifications as JSON to this URL "
                                                                          "(or env:NAME, a variable holding it)."),
        email: Optional[str] = typer.Option(None, "--add-email", help="Send notifications to this address "
                                                                      "(SMTP settings from AIUTEUR_SMTP_*)."),
        kind: Optional[List[str]] = typer.Option(None, "--kind", help="With --add-*: only these kinds (repeatable): "
                                                                      "job.finished, job.failed, budget.warning, note.assigned."),
        remove: Optional[str] = typer.Option(None, "--remove", help="Remove this hook id."),
        limit: int = typer.Option(20, "--limit", help="Show the last N notifications."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Notification hooks and history: jobs finished or failed, budget warnings, notes assigned."""
        from aiuteur import notify
        from aiuteur.documents import notifications_document

        with _store(workspace) as store:
            found = store.get_project(project)
            added = []
            if webhook:
                added.append(notify.add_hook(store, found, "webhook", webhook, kinds=kind))
            if email:
                added.append(notify.add_hook(store, found, "email", email, kinds=kind))
            if remove:
                notify.remove_hook(store, found, remove)
            notify.sweep(store, found)
            document = notifications_document(store, found, limit)
            hooks = notify.hooks(store, found)
            events = notify.history(store, found, limit=max(0, limit)) if limit else []
        if as_json:
            print(json.dumps(document, indent=2))
            return
        for h in added:
            console.print(f"added {h.channel} hook {h.id} -> {h.target}")
        hook_table = Table("hook", "channel", "target", "kinds", title=f"{found.name}: notification hooks")
        for h in hooks:
            hook_table.add_row(h.id, h.channel, h.target, ", ".join(h.kinds))
        console.print(hook_table if hooks else "no hooks: toasts in the studio only")
        history = Table("when (UTC)", "kind", "title", "details", title="notifications")
        for e in events:
            history.add_row(f"{e.created_at:%Y-%m-%d %H:%M:%S}", e.kind, e.title, e.body[:80])
        console.print(history if events else "no notifications yet")
