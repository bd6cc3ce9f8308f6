"""The Sound tab: the voice map (pick a character, change engine, voice, pitch, pace; audition it),
per-scene sound (ambience, effects, temp music; play the scene from the film's mix), the lines
that do not fit their shot, and the mix's loudness. Layout only: the logic is
`aiuteur.ui.sound_model.SoundModel`."""
from __future__ import annotations

import pandas as pd
import panel as pn

from aiuteur.ui.sound_model import SoundModel
from aiuteur.ui.studio_model import StudioModel

TITLE = "Sound"
ORDER = 30


def mix_markdown(summary: dict | None) -> str:
    if summary is None:
        return "Pick a project to see its sound."
    mix = summary["mix"]
    if mix is None:
        return "No mix yet: make the sound (stage 12) once the film is assembled."
    return (f"**Mix v{mix['version']}**: {mix['integrated_lufs']:.1f} LUFS (target {mix['target_lufs']:g}, "
            f"{mix['standard']}), true peak {mix['true_peak_dbtp']:.1f} dBTP (ceiling {mix['ceiling_dbtp']:g}), "
            f"{mix['seconds']:.1f} s; stems: {', '.join(mix['stems'])}")


def page(studio: StudioModel) -> pn.viewable.Viewable:
    model = SoundModel(studio=studio)
    studio.param.watch(lambda _: model.param.update(revision=model.revision + 1), "store_revision")  # stays true
    cast = pn.widgets.Button(name="Cast missing voices")
    cast.on_click(lambda _: model.cast())
    save = pn.widgets.Button(name="Save voice", button_type="primary")
    save.on_click(lambda _: model.save_voice())
    lock = pn.widgets.Button(name="Lock voices")
    lock.on_click(lambda _: model.lock_voices())
    audition = pn.widgets.Button(name="Audition")
    audition.on_click(lambda _: model.audition())
    make = pn.widgets.Button(name="Make sound and remix", button_type="success")
    make.on_click(lambda _: model.make())
    editor = pn.Param(model, parameters=["engine", "voice_id", "description", "pitch", "pace", "audition_line"],
                      show_name=False, widgets={"description": pn.widgets.TextAreaInput,  # typed numbers: semitones are exact
                                                "pitch": {"type": pn.widgets.FloatInput, "step": 0.5},
                                                "pace": {"type": pn.widgets.FloatInput, "step": 0.05}})
    music_engine = pn.widgets.Select.from_param(model.param.music_engine, name="Music engine",
                                                options=model.engine_choices("music"))
    mix_source = pn.widgets.Select.from_param(model.param.mix_source, name="Mix source")
    save_settings = pn.widgets.Button(name="Save sound settings")
    save_settings.on_click(lambda _: model.save_settings())
    studio.param.watch(lambda _: model.load_settings(), "project")
    model.load_settings()

    def voices_table(*_):
        rows = model.voice_rows()
        if not rows:
            return pn.pane.Markdown("No voices yet: run stage 5, or *Cast missing voices*.")
        frame = pd.DataFrame(rows)[["character", "engine", "voice_id", "pitch", "pace", "status", "lines", "stale_lines"]]
        table = pn.widgets.Tabulator(frame, disabled=True, show_index=False, selectable=1, sizing_mode="stretch_width",
                                     css_classes=["aiuteur-voice-table"])

        def picked(event):
            if event.new:
                model.select(frame.iloc[event.new[0]]["character"])

        table.param.watch(picked, "selection")
        return table

    def player(path):
        return pn.pane.Audio(path, name="audition", css_classes=["aiuteur-audition"]) if path else pn.Spacer(height=0)

    def scenes(*_):
        summary = model.summary()
        if not summary or not summary["scenes"]:
            return pn.pane.Markdown("No scene sound yet.")
        frame = pd.DataFrame([{"scene": s["scene"], "heading": s["heading"], "ambience": ", ".join(s["ambience"]),
                               "effects": ", ".join(sorted({e["name"] for e in s["effects"]})), "music": s["music"],
                               "stale": s["stale"]} for s in summary["scenes"]])
        table = pn.widgets.Tabulator(frame, disabled=True, show_index=False, selectable=1, sizing_mode="stretch_width",
                                     css_classes=["aiuteur-scene-table"])
        table.param.watch(lambda e: setattr(model, "scene", int(frame.iloc[e.new[0]]["scene"])) if e.new else None,
                          "selection")
        short = [line for line in summary["lines"] if not line["fits"]]
        notes = "".join(f"\n- **{line['shot_id']}** {line['speaker']} needs {line['seconds_needed']:.1f} s; the shot is "
                        f"{line['shot_seconds']:.1f} s" for line in short)
        return pn.Column(pn.pane.Markdown(mix_markdown(summary)), table,
                         pn.pane.Markdown(("**Lines too long for their shot** (stage 7)" + notes) if short else ""),
                         sizing_mode="stretch_width")

    def scene_player(scene):
        preview = model.scene_preview(scene) if scene else None
        if preview is None:
            return pn.pane.Markdown("Select a scene to play it from the film's mix." if scene == 0 else "")
        samples, rate = preview
        return pn.pane.Audio(samples, sample_rate=rate, name=f"scene {scene}", css_classes=["aiuteur-scene-player"])

    return pn.Column(
        pn.Row(cast, lock, make, pn.pane.Str(model.param.message, css_classes=["aiuteur-sound-message"])),
        pn.Row(music_engine, mix_source, save_settings),
        pn.Row(pn.Column(pn.bind(voices_table, studio.param.project, model.param.revision), sizing_mode="stretch_width"),
               pn.Column(pn.pane.Str(model.param.character, css_classes=["aiuteur-voice-character"]), editor, pn.Row(save, audition),
                         pn.bind(player, model.param.audition_path), width=360)),
        pn.bind(scenes, studio.param.project, model.param.revision),
        pn.bind(scene_player, model.param.scene),
        sizing_mode="stretch_width",
    )
