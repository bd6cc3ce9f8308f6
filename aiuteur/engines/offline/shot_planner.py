"""The offline shot planner: a scene's Fountain becomes timed, technical shots.

Rule of thumb coverage: an establishing wide, then one shot per action paragraph (an insert
when it centres on a prop) and one per line of dialogue (close-ups for long lines, medium or
over-the-shoulder for replies), timed from word counts at a speaking rate of 2.5 words/s.

The cast is the scene's speakers plus the people its action names (`scene["present"]`), so a
silent character can be in a shot — except a voice: a speaker whose every cue in the scene is
off screen (V.O., O.S., ON RADIO...) is heard over the listener's shot and is in no shot. With a rearview mirror (the previous scene's last shot), a
scene that carries straight on from it (CONTINUOUS, SAME...) opens on a matching cut instead of a
new establishing wide.
"""
from __future__ import annotations

import random
import re
from typing import Any

from aiuteur.models.shots import SPEAKING_WORDS_PER_SECOND, DialogueLine, Shot, ShotList, dialogue_seconds, shot_id
from aiuteur.screenplay import parse
from aiuteur.screenplay.names import character_name

_LENS = {"wide": "24mm", "medium": "35mm", "close-up": "85mm", "over-the-shoulder": "50mm", "insert": "100mm macro"}
_ACTION_MOVES = ["pan-right", "static", "tracking", "tilt-up", "pan-left"]
_DIALOGUE_MOVES = ["static", "push-in", "static", "handheld"]


def split_line(line: str, max_seconds: float) -> list[str]:
    """A speech too long for one shot becomes several, cut at sentence ends where possible."""
    max_words = max(1, int((max_seconds - 1.0) * SPEAKING_WORDS_PER_SECOND))
    parts: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
        words = sentence.split()
        while words:
            chunk, words = words[:max_words], words[max_words:]
            if parts and len(parts[-1].split()) + len(chunk) <= max_words:
                parts[-1] = f"{parts[-1]} {' '.join(chunk)}"
            else:
                parts.append(" ".join(chunk))
    return parts or [line]


#: cue extensions of a voice whose speaker is not in the shot
_OFF_SCREEN = ("V.O.", "VO", "O.S.", "OS", "O.C.", "OC", "ON RADIO", "ON PHONE", "FILTERED")


def voices_only(elements: list[Any]) -> set[str]:
    """Speakers every one of whose cues in the scene is off screen (V.O., O.S., ON RADIO...): they
    are heard, and never put in a shot."""
    off: dict[str, bool] = {}
    for element in elements:
        if _kind(element) != "character":
            continue
        name = character_name(element.text)  # as the scene list names the speaker
        extensions = [x.strip().upper() for x in re.findall(r"\(([^)]*)\)", element.text)]
        heard_only = any(x in _OFF_SCREEN for x in extensions)
        off[name] = off.get(name, True) and heard_only
    return {name for name, only in off.items() if only}


def _clamp(value: float, low: float, high: float) -> float:
    return round(min(max(value, low), high), 1)


def _kind(element: Any) -> str:
    return element.type.name.lower()


_CONTINUOUS = {"CONTINUOUS", "SAME", "SAME TIME", "MOMENTS LATER", "SIMULTANEOUS", "CONTINUED"}


#: a scene is covered by at least this many shots when it has the room (see `coverage_shots`)
COVERAGE_SHOTS = 4


def coverage_shots(target_seconds: float) -> int:
    """The fewest shots a scene gets: four (an establishing shot, the action and reactions) when its
    share of the film has room for them at about three seconds each, or its share is not known;
    fewer in a very short film, so a 30-second film is not padded to three minutes."""
    if not target_seconds or target_seconds >= COVERAGE_SHOTS * 3.0:
        return COVERAGE_SHOTS
    return max(1, int(target_seconds // 3.0))


def plan_shots(scene: dict[str, Any], props: list[str], max_seconds: float, seed: int,
               rearview: dict[str, Any] | None = None, min_seconds: float = 1.0) -> ShotList:
    rng = random.Random(seed * 1009 + scene["number"])
    rearview = rearview if rearview is not None else scene.get("rearview")  # the draft writer passes the scene only
    min_seconds = float(scene.get("min_shot_seconds", min_seconds))
    elements = [e for e in parse(scene["text"]).elements if _kind(e) not in {"scene_heading", "section", "synopsis"}]
    heard = voices_only(elements)
    cast = [c for c in list(scene.get("characters", [])) + [c for c in scene.get("present", [])
                                                          if c not in scene.get("characters", [])] if c not in heard]
    location = scene.get("location", "")
    shots: list[dict[str, Any]] = []
    first_action = next((e.text for e in elements if _kind(e) == "action"), scene["heading"])
    carries_on = bool(rearview) and (scene.get("time_of_day") or "").upper() in _CONTINUOUS
    if carries_on:
        assert rearview is not None
        shots.append(dict(shot_type="medium", camera_move="tracking", action=first_action, characters=cast[:3],
                          duration=_clamp(3.0 + len(first_action.split()) * 0.1, 3.0, min(5.0, max_seconds)),
                          framing="matches the previous scene's last shot: the action carries on",
                          sound="continuous from the previous scene", notes=f"match cut from {rearview['shot_id']}"))
    else:
        shots.append(dict(shot_type="wide", camera_move="push-in", action=first_action, characters=cast[:3],
                          duration=_clamp(3.0 + len(first_action.split()) * 0.1, 3.0, min(5.0, max_seconds)),
                          framing="establishing: the whole space and everyone in it", sound="room tone, ambience"))
    speaker: str | None = None
    parenthetical: str | None = None
    used_first_action = False
    last_speaker: str | None = None
    for element in elements:
        kind = _kind(element)
        if kind == "action":
            if not used_first_action and element.text == first_action:
                used_first_action = True
                continue
            text = element.text
            prop = next((p for p in props if p.lower() in text.lower()), None)
            in_shot = [c for c in cast if c.lower() in text.lower()] or cast[:2]
            shots.append(dict(
                shot_type="insert" if prop and rng.random() < 0.5 else "medium",
                camera_move=rng.choice(_ACTION_MOVES), action=text, characters=[] if prop and len(in_shot) == 0 else in_shot,
                duration=_clamp(2.5 + len(text.split()) * 0.12, 3.0, min(6.0, max_seconds)),
                framing=f"on the {prop}" if prop else "waist-up, action readable", props=[prop] if prop else [],
                sound="footsteps, movement",
            ))
        elif kind == "character":
            speaker = character_name(element.text)
        elif kind == "parenthetical":
            parenthetical = element.text.strip("() ")
        elif kind == "dialogue" and speaker:
            for part, line in enumerate(split_line(element.text, max_seconds)):
                long_line = len(line.split()) > 7 or part > 0
                reply = last_speaker is not None and last_speaker != speaker
                shot_type = "close-up" if long_line else ("over-the-shoulder" if reply else "medium")
                others = [c for c in cast if c != speaker][:1]
                if speaker in heard:  # a voice over (a radio, a memory): the listener is on screen, not the speaker
                    shot_type = "close-up" if others else "insert"
                    action = f"{speaker.title()}'s voice, heard" + (f"; {others[0].title()} listens." if others else ".")
                    on_screen = others
                else:
                    action = f"{speaker.title()} speaks." if part == 0 else f"{speaker.title()} goes on."
                    on_screen = [speaker] + (others if shot_type != "close-up" else [])
                shots.append(dict(
                    shot_type=shot_type, camera_move=rng.choice(_DIALOGUE_MOVES),
                    action=action, characters=on_screen,
                    dialogue=DialogueLine(speaker=speaker, line=line, parenthetical=parenthetical if part == 0 else None),
                    duration=_clamp(dialogue_seconds(line), max(2.0, min_seconds), max_seconds),
                    framing=("listener favoured, the voice off screen" if speaker in heard else
                             "single, eyes on the upper third" if shot_type == "close-up" else "speaker favoured"),
                    sound="voice over" if speaker in heard else "dialogue",
                ))
                last_speaker = speaker
            speaker, parenthetical = None, None
    target = float(scene.get("target_seconds") or 0)
    least = coverage_shots(target)
    filler = 0
    while cast and (len(shots) < least or sum(s["duration"] for s in shots) + 2.0 <= target):
        # coverage to reach the scene's share of the film: reactions and cutaways, inserted between beats
        who = cast[filler % len(cast)]
        cutaway = filler % 2 == 1
        shots.insert(min(len(shots), 2 + filler * 2), dict(
            shot_type="wide" if cutaway else "close-up", camera_move="pan-left" if cutaway else "static",
            action=f"The {location.lower() or 'place'} around them." if cutaway else f"{who.title()} reacts, silent.",
            characters=cast[:3] if cutaway else [who], framing="cutaway" if cutaway else "reaction",
            duration=_clamp(min(4.0, max(target - sum(s["duration"] for s in shots), 2.0)), 2.0, max_seconds),
            sound="ambience" if cutaway else "room tone"))
        filler += 1
    return ShotList(
        scene=scene["number"], heading=scene["heading"],
        shots=[Shot(shot_id=shot_id(scene["number"], i), scene=scene["number"], location=location,
                    lens=_LENS[s["shot_type"]], **s) for i, s in enumerate(shots, start=1)],
    )
