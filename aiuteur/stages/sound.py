"""Stage 12 — sound: spoken lines, scene beds, and the film's stems and mix.

What is made, and from what (every piece a versioned artifact, so staleness says why):

- `sound/line/<shot id>`: the shot's line spoken in its speaker's voice, through the gateway
  (cached by content hash, recorded as a generation, paid engines as jobs behind the budget
  gate), then trimmed, levelled and given its treatment (radio, phone, off screen). Inputs: the
  speaker's voice version and the scene's shot list — a new voice makes only that character's
  lines stale.
- `sound/scene/<n>`: the scene's ambience bed (heading and action), its spot effects (named in
  the action) and its temp score (tone) — synthesised offline. Input: the scene's shot list.
- `sound/mix`: dialogue, effects and music stems laid on the film's timeline (48 kHz, 24-bit,
  starting at the film's first sample), music ducked under dialogue, all normalised to the
  project's loudness target with a true-peak ceiling; the mix is their sum. Made by film
  assembly (`video.assemble` -> `film_audio`), which then puts the mix on the film as its
  audio track. Inputs: the lines and scene beds it used (and the sound settings).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from aiuteur.engines.gateway import Call, generate_speeches
from aiuteur.engines.protocols import EngineError, SpeechRequest
from aiuteur.engines.registry import get_engine
from aiuteur.engines.templates import load_template
from aiuteur.models.media import FilmClip, MediaRef
from aiuteur.models.project import Project
from aiuteur.models.shots import Shot, ShotList, ShotProblem
from aiuteur.models.sound import (
    STEM_NAMES, FilmSound, LineFit, LinePlacement, LineTake, Loudness, SceneSound, SoundSettings, Voice,
)
from aiuteur.models.story import MasterScript
from aiuteur.models.versions import Version
from aiuteur.screenplay.headings import split_int_ext
from aiuteur.sound import ambience, effects, music, treatments
from aiuteur.sound import mix as mixing
from aiuteur.sound.audio import RATE, decode, decode_file, fade, rms_db, trim_silence, wav_bytes
from aiuteur.stages import shots as shots_stage
from aiuteur.stages import voices
from aiuteur.stages.gates import StageError, StaleInputError, require
from aiuteur.store import Store
from aiuteur.store.hashing import content_hash

LINE_PREFIX = "sound/line/"
SCENE_PREFIX = "sound/scene/"
MIX = "sound/mix"
SETTINGS = voices.SOUND_SETTINGS
LEAD_IN = 0.25  # seconds into its shot a line starts when it fits
LINE_LEVEL_DB = -20.0  # every take is levelled to this RMS before its treatment
Progress = Callable[[str], None]


class SoundBatchFailed(EngineError):
    """Some lines could not be spoken (the others were kept); `failures` maps shot id -> error."""

    def __init__(self, message: str, failures: dict[str, EngineError]) -> None:
        super().__init__(message)
        self.failures = failures


def line_key(shot_id: str) -> str:
    return f"{LINE_PREFIX}{shot_id}"


def scene_key(scene: int) -> str:
    return f"{SCENE_PREFIX}{scene}"


@dataclass
class SoundReport:
    voices: int = 0
    lines: int = 0
    spoken: int = 0  # lines (re)made by this call
    scenes: int = 0
    beds_made: int = 0
    fits: list[LineFit] = field(default_factory=list)


# -- settings -------------------------------------------------------------------------------------
def settings(store: Store, project: Project) -> SoundSettings:
    return voices.sound_settings(store, project)


def set_settings(store: Store, project: Project, *, author: str = "user", **changes: object) -> Version:
    """Change the project's sound settings (loudness standard, mix source, music/effects on, the
    speech engine new voices are cast on). Checked before it is written."""
    current = settings(store, project).model_dump()
    unknown = set(changes) - set(current)
    if unknown:
        raise StageError(f"no sound setting {', '.join(sorted(unknown))}; settings are {', '.join(current)}")
    try:
        updated = SoundSettings.model_validate({**current, **{k: v for k, v in changes.items() if v is not None}})
        from aiuteur.engines.registry import provider_of

        provider_of("speech", updated.speech_engine)
        provider_of("music", updated.music_engine)
    except ValueError as exc:
        raise StageError(f"cannot change the sound settings: {exc}") from exc
    said = ", ".join(f"{k}={v}" for k, v in changes.items() if v is not None) or "unchanged"
    return store.commit_if_changed(project, SETTINGS, updated, author=author, message=f"sound: {said}")


# -- the stage ------------------------------------------------------------------------------------
def generate(store: Store, project: Project, *, auto_lock: bool = False, seed: int = 0,
             progress: Progress | None = None) -> SoundReport:
    """Everything the mix needs: a voice for every speaker, every line spoken, every scene's beds.
    Fresh work is kept; only what is missing or stale is made."""
    cast = voices.cast(store, project, auto_lock=auto_lock)
    report = SoundReport(voices=len(cast))
    lines = speak_lines(store, project, seed=seed, progress=progress)
    report.lines, report.spoken = len(lines[0]), lines[1]
    beds = scene_beds(store, project)
    report.scenes, report.beds_made = len(beds[0]), beds[1]
    report.fits = line_fits(store, project)
    return report


@dataclass(frozen=True)
class _LinePlan:
    shot: Shot
    voice_version: Version
    shots_version: Version
    request: SpeechRequest
    treatment: str


def speak_lines(store: Store, project: Project, *, seed: int = 0,
                progress: Progress | None = None) -> tuple[list[Version], int]:
    """Every dialogue shot's line; (versions in cut order, how many were made now). Lines of one
    engine are one batch (a paid engine: one admission by the budget gate)."""
    script = require(store, project, "script", locked=False).model(MasterScript)
    extensions = {s.number: treatments.cue_extensions(s.text) for s in script.scenes}
    memo: dict = {}
    ordered: list[tuple[str, Version | None]] = []
    todo: dict[str, list[_LinePlan]] = {}
    for scene in shots_stage.scenes(store, project):
        shots_version = require(store, project, shots_stage.key(scene), locked=False)
        for shot in shots_version.model(ShotList).shots:
            if shot.dialogue is None or not shot.dialogue.line.strip():
                continue
            head = store.head(project, line_key(shot.shot_id))
            if head is not None and store.staleness(head, memo).status == "fresh" and store.has_media(head.model(LineTake).media):
                ordered.append((shot.shot_id, head))
                continue
            voice_version = voices.voice_for(store, project, shot.dialogue.speaker)
            voice = voice_version.model(Voice)
            treatment = treatments.treatment_of(extensions.get(scene, {}).get(shot.dialogue.speaker),
                                                shot.dialogue.parenthetical)
            delivery = " ".join(p for p in (shot.dialogue.parenthetical and f"({shot.dialogue.parenthetical})",
                                            _DELIVERY.get(treatment, "")) if p)
            request = voices.request_for(voice, shot.dialogue.line, delivery=delivery, seed=seed)
            todo.setdefault(voice.engine, []).append(_LinePlan(shot, voice_version, shots_version, request, treatment))
            ordered.append((shot.shot_id, None))
    made: dict[str, Version] = {}
    failures: dict[str, EngineError] = {}
    template = load_template("speech")
    for engine_id, plans in todo.items():
        engine = get_engine("speech", engine_id)
        calls = [(Call(project, "sound", template, [p.voice_version, p.shots_version]), p.request) for p in plans]
        for item in generate_speeches(store, calls, engine):
            plan = plans[item.index]
            if item.error is not None or item.outcome is None:
                failures[plan.shot.shot_id] = item.error or EngineError("no result")
            else:
                made[plan.shot.shot_id] = _commit_take(store, project, plan, engine_id, item.value, item.outcome.generation_id)
            if progress:
                progress(plan.shot.shot_id)
    if failures:
        first_shot, first = next(iter(failures.items()))
        raise SoundBatchFailed(f"{len(failures)} of {sum(len(p) for p in todo.values())} lines could not be spoken "
                               f"(the others are kept), e.g. {first_shot}: {first}", failures)
    return [made.get(shot_id) or version for shot_id, version in ordered], len(made)  # type: ignore[misc]


_DELIVERY = {"radio": "Heard over a radio.", "phone": "Heard over a phone.", "vo": "Voice-over, close and intimate.",
             "os": "Off screen, from a little way off."}


def _commit_take(store: Store, project: Project, plan: _LinePlan, engine_id: str, raw: MediaRef,
                 generation_id: str) -> Version:
    """The engine's take made ready to lay in: 48 kHz, words only (no padding), levelled, treated."""
    take = decode(store.media_path(raw).read_bytes()).mean(axis=1, keepdims=True)
    take = trim_silence(take)
    if len(take) == 0:
        raise EngineError(f"{engine_id} returned silence for {plan.shot.shot_id}")
    take = take * 10 ** ((LINE_LEVEL_DB - rms_db(take)) / 20)
    take = fade(treatments.apply(take, plan.treatment), 0.01, 0.03)  # type: ignore[arg-type]
    seconds = round(len(take) / RATE, 3)
    ref = store.put_media(wav_bytes(take), "audio/wav", duration=seconds)
    shot = plan.shot
    lead_in = LEAD_IN if LEAD_IN + seconds <= shot.duration else round(max(0.0, shot.duration - seconds), 3)
    assert shot.dialogue is not None
    payload = LineTake(shot_id=shot.shot_id, scene=shot.scene, speaker=shot.dialogue.speaker, line=shot.dialogue.line,
                       voice_version=plan.voice_version.id, engine=engine_id, treatment=plan.treatment,  # type: ignore[arg-type]
                       media=ref, seconds=seconds, shot_seconds=shot.duration, lead_in=lead_in)
    return store.commit_if_changed(project, line_key(shot.shot_id), payload,
                                   inputs=[plan.voice_version, plan.shots_version], generation_id=generation_id,
                                   message=f"{shot.dialogue.speaker}'s line")


def scene_beds(store: Store, project: Project) -> tuple[list[Version], int]:
    """Every scene's ambience, spot effects and temp score; (versions, how many were made now).
    A place sounds the same in every scene set there, and a mood's cue is made once per film:
    synthesised offline, or — when the sound settings name a music model — composed by it through
    the gateway (one budget admission for the film's new moods, each cue paid once)."""
    out, made = [], 0
    memo: dict = {}
    made_media: dict[tuple, MediaRef] = {}
    tonic = music.key_of(project.config.title)
    current = settings(store, project)
    music_engine = current.music_engine if current.music else "offline:score"  # no music in the mix: buy none

    def once(params: tuple, make: Callable[[], np.ndarray]) -> MediaRef:
        if params not in made_media:
            made_media[params] = store.put_media(wav_bytes(make()), "audio/wav")
        return made_media[params]

    todo = []
    for scene in shots_stage.scenes(store, project):
        shots_version = require(store, project, shots_stage.key(scene), locked=False)
        head = store.head(project, scene_key(scene))
        if (head is not None and store.staleness(head, memo).status == "fresh" and _beds_present(store, head)
                and head.model(SceneSound).music_engine == music_engine):
            out.append(head)
            continue
        shot_list = shots_version.model(ShotList)
        action = " ".join(s.action for s in shot_list.shots)
        todo.append((scene, shots_version, shot_list, action,
                     music.mood_for(project.config.tone, shot_list.heading, action)))
        out.append(None)
    composed = _composed_cues(store, project, music_engine, sorted({t[4] for t in todo}), [t[1] for t in todo])
    fresh = iter(todo)
    for index, version in enumerate(out):
        if version is not None:
            continue
        scene, shots_version, shot_list, action, mood = next(fresh)
        layers = ambience.layers_for(shot_list.heading, action)
        interior = layers[:1] == ["room"]
        place = (_place(shot_list.heading), tuple(layers), interior)
        bed = once(("ambience", *place), lambda: ambience.bed(layers, _seed(*place), interior=interior))
        if mood in composed:
            score, generation_id = composed[mood]
        else:
            score = once(("music", mood, tonic), lambda: music.bed(mood, tonic, _seed(mood, project.config.title)))
            generation_id = None
        spots = [e for shot in shot_list.shots
                 for e in effects.effects_for(shot.shot_id, f"{shot.action} {_sound_note(shot)}", shot.duration)]
        payload = SceneSound(scene=scene, heading=shot_list.heading, seconds=round(shot_list.duration, 3),
                             ambience=layers, ambience_media=bed, effects=spots, music_mood=mood, music_media=score,
                             music_engine=music_engine)
        out[index] = store.commit_if_changed(project, scene_key(scene), payload, inputs=[shots_version],
                                             generation_id=generation_id,
                                             message=f"scene {scene} sound: {', '.join(layers)}; {mood} score")
        made += 1
    return out, made  # type: ignore[return-value]


def _composed_cues(store: Store, project: Project, engine_id: str, moods: list[str],
                   inputs: list[Version]) -> dict[str, tuple[MediaRef, str]]:
    """Each mood's cue from a paid music model: mood -> (the cue, its generation id). Empty for the
    offline score (synthesised in `scene_beds`, no generation to record). The requests name only
    the mood and the film's tone, so a mood heard in several scenes is bought once, and a re-run
    buys nothing (the gateway's cache)."""
    from aiuteur.engines.gateway import generate_musics
    from aiuteur.engines.protocols import MusicRequest
    from aiuteur.engines.registry import is_local
    from aiuteur.sound.composers import music_prompt

    if not moods or is_local(engine_id):
        return {}
    engine = get_engine("music", engine_id)
    call = Call(project, "sound", load_template("music"), inputs)
    requests = [(call, MusicRequest(prompt=music_prompt(mood, project.config.tone), context={"mood": mood})) for mood in moods]
    out: dict[str, tuple[MediaRef, str]] = {}
    failures: dict[str, EngineError] = {}
    for item in generate_musics(store, requests, engine):
        if item.error is not None or item.outcome is None:
            failures[moods[item.index]] = item.error or EngineError("no result")
        else:
            out[moods[item.index]] = (item.value, item.outcome.generation_id)
    if failures:
        mood, first = next(iter(failures.items()))
        raise SoundBatchFailed(f"{len(failures)} of {len(moods)} music cues could not be composed on {engine_id} "
                               f"(the others are kept), e.g. the {mood} cue: {first}", failures)
    return out


def _place(heading: str) -> str:
    """The place a heading names, without INT/EXT and time of day: 'INT. LIGHTHOUSE - NIGHT' -> 'LIGHTHOUSE'."""
    body = split_int_ext(heading)[1].upper()  # the library's one INT/EXT rule
    return body.split(" - ")[0].strip()


def _sound_note(shot: Shot) -> str:
    """The shot's sound note, without the words that name no effect ('dialogue', 'room tone')."""
    return "" if shot.sound.strip().lower() in ("dialogue", "room tone", "ambience", "room tone, ambience") else shot.sound


def _beds_present(store: Store, version: Version) -> bool:
    scene = version.model(SceneSound)
    return store.has_media(scene.ambience_media) and (scene.music_media is None or store.has_media(scene.music_media))


def _seed(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16)


# -- the video prompt's audio section (stage 9) ---------------------------------------------------
#: how a treated line is heard, in the words a video model is given
_HEARD = {"radio": "heard over a radio, thin and crackling; no lip-sync", "phone": "heard over a phone; no lip-sync",
          "vo": "voice-over, not spoken on screen; no lip-sync", "os": "off screen, from a little way off; no lip-sync",
          "on_screen": "on screen, lips in sync"}


def audio_section(store: Store, project: Project, shot: Shot) -> str:
    """The `[AUDIO]` section of a shot's video prompt: who speaks in which voice and how the line
    is heard (the voice map), the spot effects and the ambience the mix gives the shot, and no
    music (the score is the mix's). A video model that makes sound (Veo 3.x, Gemini Omni) then
    makes the sound the film will have; one that does not ignores it."""
    return audio_sections(store, project, shot.scene).get(shot.shot_id) or _describe_audio(shot, None, "", [], {})


def audio_sections(store: Store, project: Project, scene: int) -> dict[str, str]:
    """Every shot's `[AUDIO]` section in a scene, shot id -> text, reading the scene, the script and
    the voices once. Only a voice's *description* is used, not its engine, id, pitch or pace:
    recasting a voice on another engine or moving its pitch changes no video prompt (and so no
    clip); a new description reaches the prompt the next time stage 9 assembles it."""
    shots_version = require(store, project, shots_stage.key(scene), locked=False)
    shot_list = shots_version.model(ShotList)
    script_version = store.head(project, "script")
    extensions: dict[str, str] = {}
    if script_version is not None:
        for info in script_version.model(MasterScript).scenes:
            if info.number == scene:
                extensions = treatments.cue_extensions(info.text)
    described = {name: v.model(Voice).description for name, v in voices.all_voices(store, project).items()}
    action = " ".join(s.action for s in shot_list.shots)
    layers = ambience.layers_for(shot_list.heading, action)
    return {shot.shot_id: _describe_audio(shot, extensions, shot_list.heading, layers, described)
            for shot in shot_list.shots}


def _voice_words(name: str, description: str) -> str:
    """A voice as a video model can use it: whose voice (a woman's, a man's) and who they are, from
    the voice's description ('Elsa: aging lighthouse keeper. ...' -> "a woman's voice; aging
    lighthouse keeper")."""
    from aiuteur.sound.voices import guess_sex

    who = re.split(r"[.;]", description.split(":", 1)[-1])[0].strip()
    sex = guess_sex(name, description)
    kind = {"female": "a woman's voice", "male": "a man's voice"}.get(sex or "", "a voice of its own")
    return f"{kind}; {who}" if who else kind


def _describe_audio(shot: Shot, extensions: dict[str, str] | None, heading: str, layers: list[str],
                    described: dict[str, str]) -> str:
    parts = []
    if shot.dialogue is not None and shot.dialogue.line.strip():
        speaker = shot.dialogue.speaker
        treatment = treatments.treatment_of((extensions or {}).get(speaker), shot.dialogue.parenthetical)
        parts.append(f"Dialogue: {speaker} speaks the line ({_voice_words(speaker, described.get(speaker, ''))}), "
                     f"{_HEARD[treatment]}.")
    spots = effects.effects_for(shot.shot_id, f"{shot.action} {_sound_note(shot)}", shot.duration)
    if spots:
        parts.append("Effects: " + ", ".join(f"{e.name} at {e.at:g} s" for e in spots) + ".")
    note = _sound_note(shot).strip()
    if note:
        parts.append(f"Sound: {note.rstrip('.')}.")
    if layers:
        inside = layers[:1] == ["room"]
        outside = [layer for layer in layers if layer != "room"]
        bed = ("room tone" + (f", {', '.join(outside)} heard through the walls" if outside else "")) if inside \
            else ", ".join("open air" if layer == "air" else layer for layer in layers)
        parts.append(f"Ambience: {bed}.")
    parts.append("No music (the score is added in the mix).")
    return " ".join(parts)


# -- reading --------------------------------------------------------------------------------------
def line_fits(store: Store, project: Project) -> list[LineFit]:
    """Dialogue shots too short for their spoken line, with the seconds each needs."""
    out = []
    for version in store.heads(project, LINE_PREFIX).values():
        take = version.model(LineTake)
        if not take.fits:
            out.append(LineFit(shot_id=take.shot_id, speaker=take.speaker, shot_seconds=take.shot_seconds,
                               seconds_needed=round(LEAD_IN + take.seconds, 2)))
    return sorted(out, key=lambda f: f.shot_id)


def fit_problems(store: Store, project: Project, scene: int) -> list[ShotProblem]:
    """Stage 7's flag for lines that cannot be spoken in their shot, measured on the real takes:
    the shot id, and the seconds the line needs."""
    return [ShotProblem(shot_id=f.shot_id, field="line", message=str(f))
            for f, take in _fits_with_takes(store, project) if take.scene == scene]


def _fits_with_takes(store: Store, project: Project) -> list[tuple[LineFit, LineTake]]:
    takes = {t.shot_id: t for t in lines(store, project)}
    return [(f, takes[f.shot_id]) for f in line_fits(store, project)]


def lines(store: Store, project: Project) -> list[LineTake]:
    return [v.model(LineTake) for v in store.heads(project, LINE_PREFIX).values()]


def scene_sounds(store: Store, project: Project) -> dict[int, SceneSound]:
    return {v.model(SceneSound).scene: v.model(SceneSound) for v in store.heads(project, SCENE_PREFIX).values()}


def summary(store: Store, project: Project) -> dict:
    """Scenes (beds, effects, mood), lines (fit, staleness) and the current mix, JSON-ready: what
    `aiuteur sound --json` prints and the Sound page shows."""
    memo: dict = {}
    scenes = []
    for version in sorted(store.heads(project, SCENE_PREFIX).values(), key=lambda v: v.model(SceneSound).scene):
        scene = version.model(SceneSound)
        scenes.append({"scene": scene.scene, "heading": scene.heading, "ambience": scene.ambience,
                       "effects": [e.model_dump() for e in scene.effects], "music": scene.music_mood,
                       "stale": store.staleness(version, memo).status == "stale"})
    spoken = []
    for version in sorted(store.heads(project, LINE_PREFIX).values(), key=lambda v: v.artifact_key):
        take = version.model(LineTake)
        spoken.append({"shot_id": take.shot_id, "speaker": take.speaker, "line": take.line, "treatment": take.treatment,
                       "engine": take.engine, "seconds": take.seconds, "shot_seconds": take.shot_seconds,
                       "fits": take.fits, "seconds_needed": take.seconds_needed,
                       "stale": store.staleness(version, memo).status == "stale"})
    head = store.head(project, MIX)
    mixed = head.model(FilmSound) if head is not None else None
    return {"settings": settings(store, project).model_dump(), "scenes": scenes, "lines": spoken,
            "mix": None if mixed is None or head is None else {
                "version": head.number, "seconds": round(mixed.seconds, 3), "stems": list(mixed.stems),
                "source": mixed.source, **mixed.loudness.model_dump()}}


def film_sound(store: Store, film_version: Version) -> tuple[Version, FilmSound] | None:
    """The mix a film version was made with (None for a silent film)."""
    for input_id in film_version.inputs:
        used = store.version(input_id)
        if used.artifact_key == MIX:
            return used, used.model(FilmSound)
    return None


def has_sound(store: Store, project: Project) -> bool:
    """Whether the project's sound has been made (lines or scene beds exist)."""
    return bool(store.heads(project, SCENE_PREFIX))


# -- the mix --------------------------------------------------------------------------------------
def film_audio(store: Store, project: Project, clips: Sequence[FilmClip], fps: int,
               clip_paths: Sequence[Path]) -> tuple[Version, Path] | None:
    """The film's mix for this cut (made, or reused when the same plan was mixed before) and the
    path of its WAV, for film assembly to put on the picture. None when the project has no sound
    yet (a film assembled before `generate` ran stays silent, as before)."""
    if not has_sound(store, project):
        return None
    current = settings(store, project)
    samples = sum(c.frames for c in clips) * RATE // fps
    starts = {c.shot_id: c.start_frame * RATE // fps for c in clips}
    lengths = {c.shot_id: c.frames * RATE // fps for c in clips}
    inputs: list[Version] = []
    placed_lines, placements, plan_lines, speakers = [], [], [], []
    line_heads = store.heads(project, LINE_PREFIX)  # one read, not one per shot
    scene_heads = store.heads(project, SCENE_PREFIX)
    memo: dict = {}
    for clip in clips:
        version = line_heads.get(line_key(clip.shot_id))
        if version is None:
            continue
        _require_fresh(store, version, memo)
        take = version.model(LineTake)
        start = starts[clip.shot_id] + round(take.lead_in * RATE)
        placed_lines.append(mixing.PlacedLine(store.media_path(take.media), start))
        plan_lines.append((clip.shot_id, take.media.sha256, start))
        speakers.append(take.speaker)
        inputs.append(version)
    beds, spots, plan_beds = [], [], []
    for scene_number, first, count in _scene_runs(clips):
        version = scene_heads.get(scene_key(scene_number))
        if version is None:
            continue
        _require_fresh(store, version, memo)
        scene = version.model(SceneSound)
        if version not in inputs:
            inputs.append(version)
        start = starts[clips[first].shot_id]
        span = sum(lengths[c.shot_id] for c in clips[first:first + count])
        beds.append(("effects", mixing.PlacedBed(store.media_path(scene.ambience_media), start, span, 0.05, 0.05)))
        if current.music and scene.music_media is not None:
            beds.append(("music", mixing.PlacedBed(store.media_path(scene.music_media), start, span, 0.5, 1.0)))
        plan_beds.append((scene_number, scene.ambience_media.sha256, scene.music_media.sha256 if scene.music_media else None,
                          start, span))
        if current.effects:
            for effect in scene.effects:
                if effect.shot_id in starts:
                    spots.append(mixing.PlacedEffect(effect.name, _seed(effect.shot_id, effect.name),
                                                     starts[effect.shot_id] + round(effect.at * RATE)))
    video_shas = [p.name for p in clip_paths] if current.mix_source != "aiuteur" else []
    plan = {"samples": samples, "lines": plan_lines, "beds": plan_beds,
            "effects": [(e.name, e.seed, e.start) for e in spots], "settings": current.model_dump(), "video": video_shas}
    plan_hash = content_hash(plan)
    settings_head = store.head(project, SETTINGS)
    inputs += [settings_head] if settings_head is not None else []
    head = store.head(project, MIX)
    if head is not None:
        existing = head.model(FilmSound)
        if (existing.plan_hash == plan_hash and store.has_media(existing.mix)
                and all(store.has_media(s) for s in existing.stems.values())):
            if head.inputs == [v.id for v in inputs]:
                return head, store.media_path(existing.mix)
            return _recommit(store, project, existing, inputs)

    dialogue, spans = mixing.dialogue_stem(samples, placed_lines)
    effects_stem = mixing.bed_stem(samples, [b for kind, b in beds if kind == "effects"])
    mixing.add_effects(effects_stem, spots)
    music_stem = mixing.duck(mixing.bed_stem(samples, [b for kind, b in beds if kind == "music"]), spans,
                             current.music_duck_db)
    stems: dict[str, np.ndarray] = {}
    if current.mix_source in ("aiuteur", "both"):
        stems.update(dialogue=dialogue, effects=effects_stem, music=music_stem)
    if current.mix_source in ("video", "both"):
        stems["video"] = _video_stem(samples, clips, clip_paths, fps)
    result = mixing.normalise(stems, current.target_lufs, current.true_peak_dbtp)
    refs = {name: store.put_media(wav_bytes(stem), "audio/wav", duration=round(samples / RATE, 4))
            for name, stem in result.stems.items()}
    mix_ref = store.put_media(wav_bytes(result.mix), "audio/wav", duration=round(samples / RATE, 4))
    for (shot_id, _, _), speaker, (start, end) in zip(plan_lines, speakers, spans):
        placements.append(LinePlacement(shot_id=shot_id, speaker=speaker, start=round(start / RATE, 4),
                                         end=round(end / RATE, 4)))
    loudness = Loudness(standard=current.loudness, target_lufs=current.target_lufs,
                        integrated_lufs=result.after.integrated_lufs, true_peak_dbtp=result.after.true_peak_dbtp,
                        ceiling_dbtp=current.true_peak_dbtp, gain_db=result.gain_db, limited_db=result.limited_db)
    sound = FilmSound(samples=samples, stems=refs, mix=mix_ref, loudness=loudness, source=current.mix_source,
                      lines=placements, plan_hash=plan_hash)
    version = store.commit(project, MIX, sound, inputs=inputs,
                           message=f"mix at {loudness.integrated_lufs:.1f} LUFS, peak {loudness.true_peak_dbtp:.1f} dBTP")
    return version, store.media_path(mix_ref)


def _require_fresh(store: Store, version: Version, memo: dict) -> None:
    """A line or bed the mix would use must be current: a stale one (its voice or shots changed)
    is remade by `generate` first — mixing it would put yesterday's take in today's film."""
    staleness = store.staleness(version, memo)
    if staleness.status == "stale":
        raise StaleInputError(f"{version.artifact_key} v{version.number} is stale ({'; '.join(staleness.reasons)}): "
                              "make the sound again first (`aiuteur sound-make`, or pipeline.run)")


def _recommit(store: Store, project: Project, sound: FilmSound, inputs: list[Version]) -> tuple[Version, Path]:
    """The same mix, made from new versions of the same takes and beds (e.g. a line re-spoken
    identically): recorded against its current inputs, nothing mixed again."""
    version = store.commit(project, MIX, sound, inputs=inputs, message="same mix, current inputs")
    return version, store.media_path(sound.mix)


def _scene_runs(clips: Sequence[FilmClip]) -> list[tuple[int, int, int]]:
    """(scene, first clip index, clip count) for each run of consecutive clips of one scene."""
    runs: list[tuple[int, int, int]] = []
    for index, clip in enumerate(clips):
        if runs and runs[-1][0] == clip.scene:
            scene, first, count = runs[-1]
            runs[-1] = (scene, first, count + 1)
        else:
            runs.append((clip.scene, index, 1))
    return runs


def _video_stem(samples: int, clips: Sequence[FilmClip], paths: Sequence[Path], fps: int) -> np.ndarray:
    """The video model's own sound, clip by clip on the film's clock (silence where a clip has none)."""
    stem = np.zeros((samples, 2), dtype=np.float32)
    for clip, path in zip(clips, paths):
        audio = decode_file(path, clip.frames / fps)
        start = clip.start_frame * RATE // fps
        stem[start:start + len(audio)] += audio[: max(0, samples - start)].astype(np.float32)
    return stem


def write_stems(store: Store, sound: FilmSound, folder: Path) -> dict[str, Path]:
    """The stems and the mix as `<name>.wav` in `folder` (copies: an editor may write into them,
    the workspace's media must stay as it was)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, ref in [*sound.stems.items(), ("mix", sound.mix)]:
        target = folder / f"{name}.wav"
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(store.media_path(ref), tmp)
        os.replace(tmp, target)
        out[name] = target
    return out


__all__ = ["LINE_PREFIX", "MIX", "audio_section", "audio_sections", "SCENE_PREFIX", "SETTINGS", "STEM_NAMES", "SoundBatchFailed", "SoundReport",
           "film_audio", "film_sound", "fit_problems", "generate", "has_sound", "line_fits", "line_key", "lines",
           "scene_beds", "scene_key", "scene_sounds", "set_settings", "settings", "speak_lines", "summary", "write_stems"]
