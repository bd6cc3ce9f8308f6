"""Stage 5 — voices: every character's voice, its own versioned artifact (`voices/<slug>`).

A voice is chosen with the master assets: cast by default from the character's description
(`aiuteur.sound.voices`), changed by a person, locked with the stage. It has no inputs — it is a
choice, not something derived — so a new version of one voice makes exactly that character's
spoken lines stale (each line's inputs name its speaker's voice version), and nothing else.
"""
from __future__ import annotations

from aiuteur.engines.gateway import Call, generate_speech
from aiuteur.engines.protocols import SpeechRequest
from aiuteur.engines.registry import get_engine
from aiuteur.engines.templates import load_template
from aiuteur.models.assets import AssetSet
from aiuteur.models.media import MediaRef
from aiuteur.models.project import Project
from aiuteur.models.shots import ShotList
from aiuteur.models.sound import SoundSettings, Voice
from aiuteur.models.versions import Version
from aiuteur.sound import voices as casting
from aiuteur.stages import assets as assets_stage
from aiuteur.stages import shots as shots_stage
from aiuteur.stages.gates import StageError
from aiuteur.store import Store

PREFIX = "voices/"
SOUND_SETTINGS = "settings/sound"


class VoiceError(StageError):
    """A voice cannot be set or found; the message says what to change."""


def key(slug: str) -> str:
    return f"{PREFIX}{slug}"


def sound_settings(store: Store, project: Project) -> SoundSettings:
    """The project's sound settings (`settings/sound`; defaults when never set)."""
    head = store.head(project, SOUND_SETTINGS)
    return head.model(SoundSettings) if head is not None else SoundSettings()


def cast(store: Store, project: Project, *, engine: str | None = None, auto_lock: bool = False,
         author: str = "aiuteur") -> dict[str, Version]:
    """A voice for every speaking character that has none yet (kept voices are never changed).
    `engine`: what new voices are cast on (default: the project's sound settings). Returns every
    voice by character name."""
    engine = engine or sound_settings(store, project).speech_engine
    current = all_voices(store, project)
    taken = [v.model(Voice) for v in current.values()]
    lines = _first_lines(store, project)
    for name, slug, description in _cast_list(store, project, lines):
        if name in current:
            continue
        try:
            voice = casting.default_voice(name, slug, description, engine=engine, taken=taken,
                                          language=project.config.language, audition_line=lines.get(name, ""))
        except ValueError as exc:
            raise VoiceError(str(exc)) from exc
        version = store.commit(project, key(slug), voice, status="locked" if auto_lock else "draft", author=author,
                               message=f"cast {name} on {voice.engine} ({voice.voice_id})")
        current[name] = version
        taken.append(voice)
    if auto_lock:
        for name, version in list(current.items()):
            if version.status != "locked":
                current[name] = store.lock(project, version.artifact_key, author=author, message="voice locked")
    return current


def all_voices(store: Store, project: Project) -> dict[str, Version]:
    """Every character's current voice version, by character name (as in dialogue cues)."""
    return {v.model(Voice).character: v for v in store.heads(project, PREFIX).values()}


def voice_for(store: Store, project: Project, character: str) -> Version:
    """The current voice of `character` (name, alias or slug); VoiceError when it has none."""
    wanted = character.strip().upper()
    for name, version in all_voices(store, project).items():
        voice = version.model(Voice)
        if wanted in (name.upper(), voice.slug.upper()):
            return version
    roster = store.head(project, assets_stage.KEY)
    asset = roster.model(AssetSet).find(character) if roster is not None else None
    if asset is not None:
        version = store.head(project, key(asset.slug))
        if version is not None:
            return version
    raise VoiceError(f"{character} has no voice yet: run `aiuteur voices cast` (or pipeline.run) first")


def set_voice(store: Store, project: Project, character: str, *, engine: str | None = None,
              voice_id: str | None = None, description: str | None = None, pitch: float | None = None,
              pace: float | None = None, audition_line: str | None = None, author: str = "user") -> Version:
    """A new version of one character's voice (a draft until locked). Checked before it is written:
    the engine must serve speech and know the voice id. Only this character's lines turn stale."""
    head = voice_for(store, project, character)
    current = head.model(Voice)
    if engine and engine != current.engine and voice_id is None:
        try:  # a new engine needs a voice of its own: the next free one of its palette
            others = [v.model(Voice) for v in all_voices(store, project).values() if v.id != head.id]
            voice_id = casting.default_voice(current.character, current.slug, current.description, engine=engine,
                                             taken=others, language=project.config.language).voice_id
        except ValueError as exc:
            raise VoiceError(str(exc)) from exc
    changes = {k: v for k, v in dict(engine=engine, voice_id=voice_id, description=description, pitch=pitch,
                                     pace=pace, audition_line=audition_line).items() if v is not None}
    try:
        updated = casting.check_voice(Voice.model_validate({**current.model_dump(), **changes}))
    except ValueError as exc:
        raise VoiceError(f"cannot set {current.character}'s voice: {exc}") from exc
    if updated == current:
        return head
    said = ", ".join(f"{k}={v}" for k, v in changes.items())
    return store.commit(project, head.artifact_key, updated, author=author, message=f"voice: {said}")


def voice_map(store: Store, project: Project) -> list[dict]:
    """One JSON-ready row per character voice, with how many of its lines exist and how many were
    spoken in an older voice (what `aiuteur voices --json` prints and the Sound page shows)."""
    from aiuteur.models.sound import LineTake

    takes = [v.model(LineTake) for v in store.heads(project, "sound/line/").values()]
    rows = []
    for name, version in sorted(all_voices(store, project).items()):
        voice = version.model(Voice)
        mine = [t for t in takes if t.speaker == name]
        rows.append({**voice.model_dump(), "version": version.number, "status": version.status,
                     "lines": len(mine), "stale_lines": sum(1 for t in mine if t.voice_version != version.id)})
    return rows


def lock(store: Store, project: Project, character: str | None = None, *, author: str = "user") -> list[Version]:
    """Lock one character's voice, or every voice (part of passing stage 5)."""
    targets = [voice_for(store, project, character)] if character else list(all_voices(store, project).values())
    return [store.lock(project, v.artifact_key, author=author, message="voice locked") for v in targets]


def request_for(voice: Voice, line: str, *, delivery: str = "", seed: int = 0) -> SpeechRequest:
    """What the speech engine is asked: the line in the voice, the description and delivery as instructions."""
    instructions = load_template("speech").render(description=voice.description, delivery=delivery)
    return SpeechRequest(prompt=" ".join(line.split()), voice=voice.voice_id, instructions=instructions,
                         pitch=voice.pitch, pace=voice.pace, seed=seed)


def audition(store: Store, project: Project, character: str, line: str | None = None, *, seed: int = 0) -> MediaRef:
    """The character's audition line spoken in its current voice (cached like every generation;
    a paid engine goes through the budget gate). What Panel plays beside the voice map."""
    version = voice_for(store, project, character)
    voice = version.model(Voice)
    text = line or voice.audition_line or f"My name is {voice.character.title()}."
    engine = get_engine("speech", voice.engine)
    call = Call(project, "voices", load_template("speech"), [version])
    ref, _ = generate_speech(store, call, engine, request_for(voice, text, seed=seed))
    return ref


def _cast_list(store: Store, project: Project, lines: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, slug, description) of every character who speaks, roster order first."""
    from aiuteur.continuity.extraction import slug as asset_slug

    roster = store.head(project, assets_stage.KEY)
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    if roster is not None:
        for asset in assets_stage.master(store, project).by_kind("character"):
            if asset.retired:
                continue
            out.append((asset.name, asset.slug, asset.description))
            seen.update(n.upper() for n in asset.names)
    for speaker in lines:  # a speaker the roster does not know still needs a voice
        if speaker.upper() not in seen:
            out.append((speaker, asset_slug("character", speaker), ""))
            seen.add(speaker.upper())
    return out


def _first_lines(store: Store, project: Project) -> dict[str, str]:
    """Each speaker's first line in the shot lists (the default audition line)."""
    lines: dict[str, str] = {}
    heads = store.heads(project, "scene/")
    numbers = sorted(int(k.split("/")[1]) for k in heads if k.endswith("/shots"))
    for number in numbers:
        for shot in heads[shots_stage.key(number)].model(ShotList).shots:
            if shot.dialogue and shot.dialogue.speaker not in lines:
                lines[shot.dialogue.speaker] = shot.dialogue.line
    return lines


__all__ = ["PREFIX", "SOUND_SETTINGS", "VoiceError", "all_voices", "audition", "cast", "key", "lock", "request_for",
           "set_voice", "sound_settings", "voice_for", "voice_map"]
