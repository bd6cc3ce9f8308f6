"""Voices and sound: `aiuteur voices`, `voice`, `voices-lock`, `audition`, `sound`, `sound-make`,
`sound-settings`, `stems`.

Every command is one library call (`aiuteur.stages.voices`, `aiuteur.stages.sound`) and prints a
table, or with `--json` the JSON documented in docs/cli.md.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table


def register(app: typer.Typer) -> None:
    from aiuteur.cli import JsonOpt, WorkspaceOpt, _guard, _store, console

    @app.command("voices")
    @_guard
    def voices_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        cast: bool = typer.Option(False, "--cast", help="First give every speaking character without a voice one."),
        engine: Optional[str] = typer.Option(None, "--engine", help="Speech engine new voices are cast on."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 5: the voice map — every character's speech engine, voice, pitch and pace."""
        from aiuteur.stages import voices

        with _store(workspace) as store:
            found = store.get_project(project)
            if cast:
                voices.cast(store, found, engine=engine)
            rows = voices.voice_map(store, found)
        if as_json:
            print(json.dumps(rows, indent=2))
            return
        table = Table("character", "engine", "voice", "pitch", "pace", "status", "lines", "description",
                      title=f"{found.name}: voices")
        for r in rows:
            stale = f" ({r['stale_lines']} stale)" if r["stale_lines"] else ""
            table.add_row(r["character"], r["engine"], r["voice_id"], f"{r['pitch']:+g}", f"{r['pace']:g}",
                          f"v{r['version']} {r['status']}", f"{r['lines']}{stale}", r["description"][:50])
        console.print(table)

    @app.command("voice")
    @_guard
    def voice_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        character: str = typer.Argument(..., help="Character name (as in dialogue cues) or asset slug."),
        engine: Optional[str] = typer.Option(None, "--engine", help="Speech engine id, e.g. offline:espeak, openai:gpt-4o-mini-tts."),
        voice_id: Optional[str] = typer.Option(None, "--voice-id", help="The engine's voice: en+f3 (espeak-ng), coral (OpenAI)..."),
        description: Optional[str] = typer.Option(None, "--description", help="What the voice should sound like."),
        pitch: Optional[float] = typer.Option(None, "--pitch", help="Semitones from the voice's own (-12..12)."),
        pace: Optional[float] = typer.Option(None, "--pace", help="Speed factor (0.5..2, 1 = normal)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Change one character's voice (a new version: only that character's lines turn stale)."""
        from aiuteur.documents import voice_document
        from aiuteur.models.sound import Voice
        from aiuteur.stages import voices

        with _store(workspace) as store:
            found = store.get_project(project)
            version = voices.set_voice(store, found, character, engine=engine, voice_id=voice_id,
                                       description=description, pitch=pitch, pace=pace)
        voice = version.model(Voice)
        if as_json:
            print(json.dumps(voice_document(version), indent=2))
            return
        console.print(f"{voice.character}: {voice.engine} {voice.voice_id} pitch {voice.pitch:+g} pace {voice.pace:g} "
                      f"(v{version.number} {version.status})")

    @app.command("voices-lock")
    @_guard
    def voices_lock_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        character: Optional[str] = typer.Argument(None, help="One character; default every voice."),
        workspace: Optional[Path] = WorkspaceOpt,
    ) -> None:
        """Lock one voice, or every voice (with the master assets, this passes stage 5)."""
        from aiuteur.stages import voices

        with _store(workspace) as store:
            locked = voices.lock(store, store.get_project(project), character)
        console.print(f"locked {len(locked)} voice(s)")

    @app.command("audition")
    @_guard
    def audition_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        character: str = typer.Argument(..., help="Character name or asset slug."),
        line: Optional[str] = typer.Option(None, "--line", help="What to say (default: the voice's audition line)."),
        out: Optional[Path] = typer.Option(None, "--out", help="Copy the take here (a .wav)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Speak a line in a character's current voice (cached; a paid engine passes the budget gate)."""
        from aiuteur.stages import voices

        with _store(workspace) as store:
            found = store.get_project(project)
            ref = voices.audition(store, found, character, line)
            path = store.media_path(ref)
            if out is not None:
                shutil.copyfile(path, out)
                path = out
        if as_json:
            from aiuteur.documents import audition_document

            print(json.dumps(audition_document(path, ref)))
            return
        console.print(f"{character}: {path} ({ref.duration or 0:.1f} s)")

    @app.command("sound")
    @_guard
    def sound_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Stage 12: per-scene ambience, effects and music, every spoken line (and whether it fits), the mix."""
        from aiuteur.stages import sound

        with _store(workspace) as store:
            found = store.get_project(project)
            summary = sound.summary(store, found)
        if as_json:
            print(json.dumps(summary, indent=2))
            return
        table = Table("#", "scene", "ambience", "effects", "music", title=f"{found.name}: sound")
        for s in summary["scenes"]:
            table.add_row(str(s["scene"]), s["heading"], ", ".join(s["ambience"]),
                          ", ".join(sorted({e["name"] for e in s["effects"]})) or "-",
                          s["music"] + (" [red](stale)[/]" if s["stale"] else ""))
        console.print(table)
        short = [line for line in summary["lines"] if not line["fits"]]
        console.print(f"{len(summary['lines'])} spoken lines" + (f", {len(short)} too long for their shot:" if short else ""))
        for line in short:
            console.print(f"  [yellow]{line['shot_id']}[/] {line['speaker']} needs {line['seconds_needed']:.1f} s; "
                          f"the shot is {line['shot_seconds']:.1f} s")
        mix = summary["mix"]
        if mix:
            console.print(f"mix v{mix['version']}: {mix['integrated_lufs']:.1f} LUFS (target {mix['target_lufs']:g}, "
                          f"{mix['standard']}), true peak {mix['true_peak_dbtp']:.1f} dBTP, stems: {', '.join(mix['stems'])}")

    @app.command("sound-make")
    @_guard
    def sound_make_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        lock: bool = typer.Option(False, "--lock-defaults", help="Lock new voices as cast."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Make what is missing or stale (voices, lines, scene beds) and lay the new mix on the film."""
        from aiuteur.stages import sound, video

        with _store(workspace) as store:
            found = store.get_project(project)
            report = sound.generate(store, found, auto_lock=lock)
            film = video.assemble(store, found) if store.head(found, video.FILM) is not None else None
            mixed = sound.film_sound(store, film) if film is not None else None
        if as_json:
            from aiuteur.documents import sound_make_document

            print(json.dumps(sound_make_document(report, film, mixed), indent=2))
            return
        console.print(f"{report.voices} voices, {report.lines} lines ({report.spoken} spoken now), "
                      f"{report.scenes} scenes ({report.beds_made} beds made now)")
        for fit in report.fits:
            console.print(f"  [yellow]{fit}[/]")
        if mixed:
            console.print(f"film v{film.number}: mix at {mixed[1].loudness.integrated_lufs:.1f} LUFS")  # type: ignore[union-attr]

    @app.command("sound-settings")
    @_guard
    def sound_settings_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        loudness: Optional[str] = typer.Option(None, "--loudness", help="ebu-r128 (-23 LUFS) or atsc-a85 (-24 LKFS)."),
        true_peak: Optional[float] = typer.Option(None, "--true-peak", help="True-peak ceiling in dBTP (default -1)."),
        source: Optional[str] = typer.Option(None, "--source", help="What the mix uses: aiuteur, video (the video model's own sound) or both."),
        music: Optional[bool] = typer.Option(None, "--music/--no-music", help="Temp music in the mix."),
        effects: Optional[bool] = typer.Option(None, "--effects/--no-effects", help="Spot effects in the mix."),
        speech_engine: Optional[str] = typer.Option(None, "--speech-engine", help="Engine new voices are cast on."),
        music_engine: Optional[str] = typer.Option(None, "--music-engine",
                                                   help="What composes each scene's cue: offline:score (free) or "
                                                        "gemini:lyria-3-clip-preview (paid, once per mood)."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Show or change the project's sound settings (loudness target, mix source, music and effects)."""
        from aiuteur.stages import sound

        with _store(workspace) as store:
            found = store.get_project(project)
            changes = dict(loudness=loudness, true_peak_dbtp=true_peak, mix_source=source, music=music, effects=effects,
                           speech_engine=speech_engine, music_engine=music_engine)
            if any(v is not None for v in changes.values()):
                sound.set_settings(store, found, **changes)
            current = sound.settings(store, found)
        if as_json:
            print(current.model_dump_json(indent=2))
            return
        for k, v in current.model_dump().items():
            console.print(f"{k}: {v}")

    @app.command("stems")
    @_guard
    def stems_command(
        project: str = typer.Argument(..., help="Project name, id or title."),
        out: Path = typer.Option(..., "--out", help="Folder for dialogue.wav, effects.wav, music.wav and mix.wav."),
        workspace: Optional[Path] = WorkspaceOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Write the current film's stems and mix (48 kHz, 24-bit WAV from the film's first sample)."""
        from aiuteur.stages import sound, video
        from aiuteur.stages.gates import StageError

        with _store(workspace) as store:
            found = store.get_project(project)
            film = store.head(found, video.FILM)
            mixed = sound.film_sound(store, film) if film is not None else None
            if mixed is None:
                raise StageError(f"{found.name}'s film has no sound yet: run `aiuteur sound-make {found.name}` first")
            paths = sound.write_stems(store, mixed[1], out)
        if as_json:
            from aiuteur.documents import stems_document

            print(json.dumps(stems_document(paths), indent=2))
            return
        for name, path in paths.items():
            console.print(f"{name}: {path}")
