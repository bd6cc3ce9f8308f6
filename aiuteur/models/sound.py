"""Sound: each character's voice (stage 5), spoken lines, scene beds and the film's mix (stage 12).

Artifact keys (all versioned like every other artifact):

- `voices/<character slug>` — a `Voice`: which engine speaks the character, with which voice,
  pitch and pace. Its own artifact, so changing one voice makes only that character's lines stale.
- `sound/line/<shot id>` — a `LineTake`: the spoken line of a dialogue shot.
- `sound/scene/<n>` — a `SceneSound`: the scene's ambience bed, spot effects and temp music.
- `sound/mix` — a `FilmSound`: dialogue, effects and music stems and their loudness-normalised mix.
- `settings/sound` — `SoundSettings`: the project's loudness target, mix source and defaults.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiuteur.models.media import MediaRef

#: how a line is heard: on screen (lip-sync expected), voice-over, off screen, or through a device
Treatment = Literal["on_screen", "vo", "os", "radio", "phone"]
TREATMENTS: tuple[str, ...] = ("on_screen", "vo", "os", "radio", "phone")
#: EBU R128 (-23 LUFS, broadcast in Europe) or ATSC A/85 (-24 LKFS, US broadcast)
LoudnessStandard = Literal["ebu-r128", "atsc-a85"]
LOUDNESS_TARGETS: dict[str, float] = {"ebu-r128": -23.0, "atsc-a85": -24.0}
#: where the film's sound comes from: our stems, the video model's own audio, or both mixed
MixSource = Literal["aiuteur", "video", "both"]
STEM_NAMES: tuple[str, ...] = ("dialogue", "effects", "music")


class Voice(BaseModel):
    """A character's voice. `voice_id` is the engine's own name for a voice (espeak-ng: a
    language+variant such as `en+f3`; OpenAI: `coral`); `description` says what it should sound
    like (instructable engines read it); `pitch` in semitones from the voice's own, `pace` a speed
    factor (1.0 = the engine's normal speed)."""

    model_config = ConfigDict(frozen=True)

    character: str  # the name in dialogue cues, e.g. ELSA
    slug: str
    engine: str
    voice_id: str
    description: str = ""
    pitch: float = Field(default=0.0, ge=-12, le=12)
    pace: float = Field(default=1.0, ge=0.5, le=2.0)
    audition_line: str = ""


class LineTake(BaseModel):
    """One dialogue shot's spoken line: the take, how long it runs, and whether it fits the shot."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    scene: int
    speaker: str
    line: str
    voice_version: str
    engine: str
    treatment: Treatment = "on_screen"
    media: MediaRef  # mono or stereo WAV as the engine made it, treatment applied, 48 kHz
    seconds: float  # length of the take
    shot_seconds: float
    lead_in: float = 0.25  # seconds into the shot where the line starts

    @property
    def fits(self) -> bool:
        return self.lead_in + self.seconds <= self.shot_seconds + 1e-6

    @property
    def seconds_needed(self) -> float:
        """Screen time the shot needs for this line (lead-in included)."""
        return round(self.lead_in + self.seconds, 2)


class SpotEffect(BaseModel):
    """A sound named in a shot's action that the effects generator can make (a door, thunder...)."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    name: str
    at: float  # seconds into the shot


class SceneSound(BaseModel):
    """A scene's beds: ambience (from its heading and action), spot effects, temp music (from the tone)."""

    model_config = ConfigDict(frozen=True)

    scene: int
    heading: str
    seconds: float
    ambience: list[str]  # the bed's layers, e.g. ["sea", "wind"]
    ambience_media: MediaRef
    effects: list[SpotEffect] = []
    music_mood: str = ""
    music_media: MediaRef | None = None
    music_engine: str = "offline:score"  # what composed the cue (a paid one is bought once per mood and film)


class Loudness(BaseModel):
    model_config = ConfigDict(frozen=True)

    standard: LoudnessStandard
    target_lufs: float
    integrated_lufs: float
    true_peak_dbtp: float
    ceiling_dbtp: float
    gain_db: float  # applied to every stem to reach the target
    limited_db: float = 0.0  # the deepest gain reduction the true-peak limiter applied


class LinePlacement(BaseModel):
    """Where a line sits on the film's timeline, in seconds from the film's first sample."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    speaker: str
    start: float
    end: float


class FilmSound(BaseModel):
    """The film's sound: stems that start at the film's first sample and sum to the mix."""

    model_config = ConfigDict(frozen=True)

    sample_rate: int = 48000
    bit_depth: int = 24
    channels: int = 2
    samples: int
    stems: dict[str, MediaRef]  # dialogue, effects, music (and video when the video model's sound is used)
    mix: MediaRef
    loudness: Loudness
    source: MixSource = "aiuteur"
    lines: list[LinePlacement] = []
    plan_hash: str = ""  # what was mixed (takes, beds, effects, places, settings): the same plan is not mixed twice

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate


class SoundSettings(BaseModel):
    """A project's sound choices (`settings/sound`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    speech_engine: str = "offline:espeak"  # what new voices are cast on
    music_engine: str = "offline:score"  # what composes each scene's cue (offline: the synthesised temp score)
    loudness: LoudnessStandard = "ebu-r128"
    true_peak_dbtp: float = Field(default=-1.0, le=0.0, ge=-9.0)
    mix_source: MixSource = "aiuteur"
    music: bool = True
    effects: bool = True
    music_duck_db: float = Field(default=12.0, ge=0.0, le=40.0)  # how far music dips under dialogue

    @property
    def target_lufs(self) -> float:
        return LOUDNESS_TARGETS[self.loudness]


class LineFit(BaseModel):
    """A dialogue shot too short for its line: what stage 7 shows."""

    model_config = ConfigDict(frozen=True)

    shot_id: str
    speaker: str
    shot_seconds: float
    seconds_needed: float

    def __str__(self) -> str:
        return (f"{self.shot_id}: {self.speaker}'s line needs {self.seconds_needed:.1f} s; "
                f"the shot is {self.shot_seconds:.1f} s")
