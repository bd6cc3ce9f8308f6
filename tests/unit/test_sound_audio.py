"""Sound building blocks: WAV, beds, effects, score, treatments, loudness and the mix, measured
independently (pyloudnorm, scipy) where a number is claimed."""
from __future__ import annotations

import numpy as np
import pytest

from aiuteur.sound import ambience, effects, music, treatments
from aiuteur.sound import mix as mixing
from aiuteur.sound.audio import RATE, loop, read_wav, resample, trim_silence, wav_bytes
from tests.sound_checks import integrated_lufs, rms_db, true_peak_dbtp


def test_wav_is_24_bit_and_round_trips_within_one_step():
    rng = np.random.default_rng(1)
    x = np.clip(rng.standard_normal((4800, 2)) * 0.2, -1, 1)
    data = wav_bytes(x)
    assert data[:4] == b"RIFF" and int.from_bytes(data[34:36], "little") == 24  # bits per sample
    back, rate = read_wav(data)
    assert rate == RATE and back.shape == x.shape
    assert np.max(np.abs(back - x)) <= 1.5 / 2 ** 23


def test_resample_keeps_length_and_pitch():
    t = np.arange(22050) / 22050
    tone = np.sin(2 * np.pi * 440 * t)[:, None]
    up = resample(tone, 22050, RATE)
    assert len(up) == RATE
    spectrum = np.abs(np.fft.rfft(up[:, 0]))
    assert abs(np.argmax(spectrum) * RATE / len(up) - 440) < 2


def test_trim_silence_keeps_the_words_only():
    x = np.zeros((RATE * 2, 1))
    x[RATE // 2: RATE] = 0.3
    trimmed = trim_silence(x)
    assert abs(len(trimmed) / RATE - 0.5 - 0.06) < 0.01


def test_ambience_layers_follow_heading_and_action():
    assert ambience.layers_for("INT. LIGHTHOUSE - NIGHT", "Elsa holds the radio.") == ["room", "sea"]
    assert ambience.layers_for("EXT. HARBOR TOWN - NIGHT", "Wind and dark. A storm threatens.") == ["sea", "wind", "rain"]
    assert ambience.layers_for("EXT. MAIN STREET - DAY", "Cars crawl past.") == ["traffic"]
    assert ambience.layers_for("EXT. MEADOW - DAY", "Quiet.") == ["air"]


def test_a_bed_is_deterministic_and_loops_without_a_seam():
    one = ambience.bed(["sea", "wind", "traffic"], 7, interior=False)
    assert np.array_equal(one, ambience.bed(["sea", "wind", "traffic"], 7, interior=False))
    assert not np.array_equal(one, ambience.bed(["sea", "wind", "traffic"], 8, interior=False))
    twice = loop(one, 2 * len(one))
    steps = np.abs(np.diff(twice[:, 0]))
    seam = steps[len(one) - 3: len(one) + 2].max()
    assert seam <= np.percentile(steps, 99.9)  # the join is no bigger a step than the bed's own
    assert -55 < rms_db(one) < -30


def test_an_interior_hears_the_sea_through_the_walls():
    inside = ambience.bed(["room", "sea"], 3, interior=True)
    outside = ambience.bed(["sea"], 3, interior=False)

    def high_share(x):
        spectrum = np.abs(np.fft.rfft(x[:, 0])) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / RATE)
        return spectrum[freqs > 2000].sum() / spectrum.sum()

    assert high_share(inside) < high_share(outside) / 10


def test_spot_effects_are_named_in_the_action():
    found = effects.effects_for("SC010_SH0020", "Thunder. She slams the door and walks out.", 4.0)
    assert [e.name for e in found] == ["thunder", "door"]  # at most two per shot, in lexicon order
    assert all(0 <= e.at <= 3.5 for e in found)
    assert effects.effects_for("SC010_SH0030", "She smiles.", 3.0) == []
    for name in effects.EFFECTS:
        sound = effects.make(name, 3)
        assert sound.shape[1] == 2 and np.max(np.abs(sound)) <= 0.5 + 1e-6 and rms_db(sound) > -60, name


def test_the_score_follows_the_mood_and_loops():
    assert music.mood_for("hopeful", "EXT. HARBOR TOWN - NIGHT", "A storm threatens the town.") == "tense"
    assert music.mood_for("hopeful", "EXT. HARBOR - DAWN", "First light.") == "bright"
    assert music.mood_for("bittersweet", "INT. KITCHEN - DAY", "She pours tea.") == "melancholy"
    score = music.bed("hopeful", music.key_of("The Last Light"), 1)
    assert np.array_equal(score, music.bed("hopeful", music.key_of("The Last Light"), 1))
    seconds = len(score) / RATE
    assert abs(seconds - 4 * 8 * 60 / 72) < 0.01  # four chords of two bars at 72 bpm
    steps = np.abs(np.diff(loop(score, 2 * len(score))[:, 0]))
    assert steps[len(score) - 3: len(score) + 2].max() <= np.percentile(steps, 99.99)


def test_treatments_come_from_the_script_and_narrow_a_device():
    assert treatments.treatment_of("V.O.") == "vo"
    assert treatments.treatment_of(None, "over the radio") == "radio"
    assert treatments.treatment_of("O.S.") == "os"
    assert treatments.treatment_of(None, "into the phone") == "phone"
    assert treatments.treatment_of(None, "quietly") == "on_screen"
    fountain = "INT. BOAT - NIGHT\n\nTOMAS (ON RADIO)\nCan you hear me?\n\nELSA\nYes.\n"
    assert treatments.cue_extensions(fountain) == {"TOMAS": "ON RADIO"}
    noise = np.random.default_rng(2).standard_normal((RATE, 1)) * 0.1
    radio = treatments.apply(noise, "radio")

    def band_energy(x, low, high):
        spectrum = np.abs(np.fft.rfft(x[:, 0])) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / RATE)
        return spectrum[(freqs >= low) & (freqs < high)].sum()

    assert band_energy(radio, 6000, 20000) < band_energy(noise, 6000, 20000) / 100
    assert band_energy(radio, 800, 2500) > band_energy(radio, 6000, 20000) * 50


def _stems(seconds: float = 30.0, hot: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    dialogue = np.zeros((n, 2), dtype=np.float32)
    for start in range(2, int(seconds) - 3, 5):  # 2 s "lines" every 5 s
        a, b = start * RATE, (start + 2) * RATE
        dialogue[a:b] = (np.sin(2 * np.pi * 180 * t[a:b]) * 0.1 * (1 + 0.5 * np.sin(2 * np.pi * 4 * t[a:b])))[:, None]
    effects_stem = (rng.standard_normal((n, 2)) * 0.01).astype(np.float32)
    if hot:
        effects_stem[n // 2: n // 2 + 200] = 0.9  # a slammed door far louder than anything else
    music_stem = (np.sin(2 * np.pi * 220 * t) * 0.02)[:, None].repeat(2, 1).astype(np.float32)
    return {"dialogue": dialogue, "effects": effects_stem, "music": music_stem}


@pytest.mark.parametrize("target", [-23.0, -24.0])
def test_normalise_meets_the_target_and_stems_still_sum_to_the_mix(target):
    result = mixing.normalise(_stems(), target, -1.0)
    assert abs(integrated_lufs(result.mix) - target) <= 0.5
    assert true_peak_dbtp(result.mix) <= -1.0
    total = sum(result.stems.values())
    assert np.max(np.abs(total - result.mix)) < 1e-5
    assert result.limited_db == 0.0 and abs(result.after.integrated_lufs - target) < 0.2


def test_a_hot_transient_is_limited_on_every_stem_alike():
    result = mixing.normalise(_stems(hot=True), -23.0, -1.0)
    assert result.limited_db < 0
    assert true_peak_dbtp(result.mix) <= -1.0
    assert abs(integrated_lufs(result.mix) + 23.0) <= 1.0
    assert np.max(np.abs(sum(result.stems.values()) - result.mix)) < 1e-5


def test_music_dips_under_dialogue():
    n = 10 * RATE
    score = np.full((n, 2), 0.1, dtype=np.float32)
    ducked = mixing.duck(score, [(3 * RATE, 5 * RATE)], 12.0)
    assert abs(20 * np.log10(ducked[4 * RATE, 0] / 0.1) + 12.0) < 0.1
    assert ducked[RATE, 0] == pytest.approx(0.1) and ducked[8 * RATE, 0] == pytest.approx(0.1)
    assert np.all(np.abs(np.diff(ducked[:, 0])) < 0.001)  # ramps, no steps
