"""The Sound page's state and actions: the voice map with audition, per-scene sound with play, the
mix's loudness — plain `param` logic over `aiuteur.stages.voices` and `aiuteur.stages.sound`, no
Panel import. Each call opens the workspace and closes it (see `StudioModel`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import param

from aiuteur.engines.protocols import EngineError
from aiuteur.models.media import Film
from aiuteur.models.sound import Voice
from aiuteur.sound.audio import read_wav
from aiuteur.stages import sound, video, voices
from aiuteur.stages.gates import StageError
from aiuteur.store import StoreError
from aiuteur.ui.studio_model import StudioModel

PREVIEW_RATE = 24000  # scene previews are sent to the browser as 24 kHz mono: a quarter of the bytes


class SoundModel(param.Parameterized):
    studio = param.ClassSelector(class_=StudioModel)
    character = param.String(default="", doc="The character whose voice is being edited")
    engine = param.String(default="", doc="Its speech engine id")
    voice_id = param.String(default="", doc="The engine's voice (en+f3, coral...)")
    description = param.String(default="")
    pitch = param.Number(default=0.0, bounds=(-12, 12), doc="Semitones from the voice's own")
    pace = param.Number(default=1.0, bounds=(0.5, 2.0))
    audition_line = param.String(default="", doc="What the audition says (empty: the voice's own line)")
    audition_path = param.String(default="", doc="The last audition's WAV, for the player")
    scene = param.Integer(default=0, doc="The scene being played (0: none)")
    revision = param.Integer(default=0, doc="Bumped when voices or sound change, to redraw tables")
    music_engine = param.String(default="offline:score", doc="What composes each scene's cue")
    mix_source = param.Selector(default="aiuteur", objects=["aiuteur", "video", "both"],
                                doc="Our stems, the video model's own sound, or both")
    message = param.String(default="")

    def voice_rows(self) -> list[dict[str, Any]]:
        if not self.studio.project:
            return []
        with self.studio.open_store() as store:
            return voices.voice_map(store, store.get_project(self.studio.project))

    def select(self, character: str) -> None:
        """Load one character's voice into the editing fields."""
        with self.studio.open_store() as store:
            voice = voices.voice_for(store, store.get_project(self.studio.project), character).model(Voice)
        self.param.update(character=voice.character, engine=voice.engine, voice_id=voice.voice_id,
                          description=voice.description, pitch=voice.pitch, pace=voice.pace,
                          audition_line=voice.audition_line, audition_path="")

    def cast(self) -> None:
        """Give every speaking character without a voice its default one."""
        if not self._ready():
            return
        with self.studio.open_store() as store:
            cast = voices.cast(store, store.get_project(self.studio.project))
        self.message = f"{len(cast)} voices"
        self.revision += 1

    def save_voice(self) -> bool:
        """A new version of the selected character's voice (only its lines turn stale)."""
        if not self._ready() or not self.character:
            self.message = self.message or "pick a character first"
            return False
        try:
            with self.studio.open_store() as store:
                version = voices.set_voice(store, store.get_project(self.studio.project), self.character,
                                           engine=self.engine or None, voice_id=self.voice_id or None,
                                           description=self.description, pitch=self.pitch, pace=self.pace,
                                           audition_line=self.audition_line, author=self.studio.author)
        except (StageError, StoreError, ValueError) as exc:
            self.message = str(exc)
            return False
        self.voice_id = version.model(Voice).voice_id
        self.message = f"{self.character}: voice v{version.number} ({version.status})"
        self.revision += 1
        return True

    def lock_voices(self) -> None:
        if not self._ready():
            return
        with self.studio.open_store() as store:
            locked = voices.lock(store, store.get_project(self.studio.project), author=self.studio.author)
        self.message = f"locked {len(locked)} voice(s)"
        self.revision += 1

    def audition(self) -> str:
        """Speak the audition line in the selected voice (cached; paid engines pass the budget gate);
        the WAV's path goes to `audition_path` for the player."""
        if not self._ready() or not self.character:
            self.message = self.message or "pick a character first"
            return ""
        try:
            with self.studio.open_store() as store:
                ref = voices.audition(store, store.get_project(self.studio.project), self.character,
                                      self.audition_line or None)
                self.audition_path = str(store.media_path(ref))
        except (StageError, StoreError, EngineError, ValueError) as exc:
            self.message = str(exc)
            return ""
        self.message = f"{self.character}: {ref.duration or 0:.1f} s audition"
        return self.audition_path

    def summary(self) -> dict[str, Any] | None:
        if not self.studio.project:
            return None
        with self.studio.open_store() as store:
            return sound.summary(store, store.get_project(self.studio.project))

    def make(self) -> None:
        """Make what is missing or stale (voices, lines, beds) and lay the new mix on the film."""
        if not self._ready():
            return
        try:
            with self.studio.open_store() as store:
                project = store.get_project(self.studio.project)
                report = sound.generate(store, project)
                if store.head(project, video.FILM) is not None:
                    video.assemble(store, project)
        except (StageError, StoreError, EngineError, ValueError) as exc:
            self.message = str(exc)
            return
        self.message = (f"{report.spoken} line(s) spoken, {report.beds_made} scene bed(s) made"
                        + (f"; {len(report.fits)} line(s) too long for their shot" if report.fits else ""))
        self.revision += 1

    def scene_preview(self, scene: int | None = None) -> tuple[np.ndarray, int] | None:
        """The current film's mix over one scene (int16 mono at `PREVIEW_RATE`), for the player."""
        scene = scene or self.scene
        if not self.studio.project or not scene:
            return None
        with self.studio.open_store() as store:
            project = store.get_project(self.studio.project)
            head = store.head(project, video.FILM)
            mixed = sound.film_sound(store, head) if head is not None else None
            if mixed is None:
                return None
            film = head.model(Film)
            mix_path: Path = store.media_path(mixed[1].mix)
        clips = [c for c in film.clips if c.scene == scene]
        if not clips:
            return None
        start = clips[0].start_frame / film.fps
        end = (clips[-1].start_frame + clips[-1].frames) / film.fps
        audio, rate = read_wav(mix_path, start=start, seconds=end - start)
        step = max(1, rate // PREVIEW_RATE)
        mono = audio.mean(axis=1)
        part = mono[: len(mono) // step * step].reshape(-1, step).mean(axis=1)  # averaging: a plain low-pass first
        return (np.clip(part, -1, 1) * 32767).astype(np.int16), PREVIEW_RATE

    def engine_choices(self, kind: str) -> list[str]:
        """The engine ids of a kind ("speech", "music") the registry knows, for the page's menus."""
        from aiuteur.engines.registry import registered

        return [engine_id for provider in registered(kind) for engine_id in provider.ids()]

    def load_settings(self) -> None:
        """The project's sound settings into the fields (music engine, mix source)."""
        if not self.studio.project:
            return
        with self.studio.open_store() as store:
            current = sound.settings(store, store.get_project(self.studio.project))
        self.param.update(music_engine=current.music_engine, mix_source=current.mix_source)

    def save_settings(self) -> bool:
        """Write the music engine and mix source (checked first); the next *Make sound* uses them."""
        if not self._ready():
            return False
        try:
            with self.studio.open_store() as store:
                sound.set_settings(store, store.get_project(self.studio.project), author=self.studio.author,
                                   music_engine=self.music_engine, mix_source=self.mix_source)
        except (StageError, StoreError, ValueError) as exc:
            self.message = str(exc)
            return False
        self.message = f"sound settings: music {self.music_engine}, mix source {self.mix_source}"
        self.revision += 1
        return True

    def _ready(self) -> bool:
        if not self.studio.project:
            self.message = "pick a project first"
            return False
        return True
