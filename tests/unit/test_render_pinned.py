"""Pinned pixels: storyboard panels and contact sheets are byte-identical to what they were before
`render/storyboard.py` was split into modules (issue 14 part 5: "behaviour identical").

Fonts are pinned to Pillow's bundled face (the same wheel on every machine) so the hashes do not
depend on which system fonts are installed. If a hash changes on purpose (a drawing change), rerun
this file with `AIUTEUR_PRINT_PINS=1` and paste the printed hashes, saying why in the commit.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from aiuteur.render import FrameSpec, _text, contact_sheet, render_frame

SHOTS = ["establishing", "wide", "medium", "medium close-up", "close-up", "extreme close-up", "over-the-shoulder",
         "two-shot", "insert"]
PLACES = [("EXT", "Main street"), ("EXT", "Forest clearing"), ("EXT", "Harbour pier"), ("EXT", "Desert canyon"),
          ("EXT", "Mountain pass"), ("EXT", "Nowhere"), ("INT", "Kitchen"), ("INT", "Police office"), ("INT", "Dive bar"),
          ("INT", "Bedroom"), ("INT", "Warehouse"), ("INT", "Car"), ("INT/EXT", "Lighthouse door"), (None, "Old kitchen"),
          (None, "Lake shore")]
TIMES = ["DAY", "MORNING", "DUSK", "DAWN", "EVENING", "NIGHT"]
CASTS = [["Mara"], ["Mara", "Joss"], ["Mara", "Joss", "Dex", "Old Woman"], [], ["Anna", "Ben", "Carl"]]
CAPTIONS = ["", "Mara looks around.", "JOSS: We can't stay here.", "MARA (V.O.): Still here?",
            "A phone buzzes on the table.", "She turns the key.", "A cup of coffee.", "The old photo.",
            "Her diary lies open.", "The clock ticks.", "A letter."]


def pinned_specs() -> list[dict]:
    """Every shot type, backdrop family, light, cast size, caption kind, insert object and aspect."""
    out = []
    for i, shot in enumerate(SHOTS):
        for k in range(4):
            int_ext, location = PLACES[(i * 7 + k) % len(PLACES)]
            out.append(dict(width=320, height=180, int_ext=int_ext, location=location, time_of_day=TIMES[(i + k) % 6],
                            shot_type=shot, characters=CASTS[(i + k) % len(CASTS)],
                            caption=CAPTIONS[(i * 3 + k) % len(CAPTIONS)], moment="end" if k % 2 else "start",
                            title=f"SC{i:03d}_SH{k:04d}" if k != 3 else None,
                            tags={"MARA": ["muddy", "bleeding"]} if k == 1 else {}))
    for w, h in [(360, 640), (480, 480), (640, 268), (96, 54)]:
        out.append(dict(width=w, height=h, int_ext="EXT", location="Harbour pier", time_of_day="DUSK",
                        shot_type="two-shot", characters=["Mara", "Joss", "Dex"], title="SC010_SH0010",
                        caption="DEX: A long line that has to wrap over more than one line of the band."))
    for n, caption in enumerate(CAPTIONS[4:]):  # one insert per object the caption names
        out.append(dict(width=320, height=180, int_ext="INT", location="Kitchen", time_of_day=TIMES[n % 6],
                        shot_type="insert", characters=["Mara"], caption=caption, moment="end" if n % 2 else "start"))
    return out


PINNED = [
    "50f57bba35834544", "ab677e9f8d14f5f5", "ee68c288f5421f58", "12171924468f38fe", "ddeb567678e86d73",
    "6d8cfb62b75e8ec7", "cd69dd9111395a6d", "916899c4e5783e6a", "8f561a50d19228ac", "19a5e124209ddb63",
    "3e80ac0434a305e2", "6885dbc6fb510f52", "1475d0b8a6342b85", "b5ef8d8bdd546d47", "417a4d6966a30ccb",
    "96109f7dd231ba7e", "648dba17948a8a89", "3a47b4a08f87f1e8", "cf0d7569a67deea7", "3010ea0e253a5ddf",
    "ad2a0cbb9c8831fc", "d02036d2548c8e71", "4dbf2c7d958301c4", "408c5882bcaa1ab2", "bc15e05952bec6e2",
    "5a3b0c4254f55e1b", "4219e13399cd6558", "125bd9863aa44dd0", "4b4d63cf376a78db", "3962961229b66acc",
    "2be7404d428c7b05", "d86ab90fd6d0837e", "125ed631db7ca8e7", "544b4972be2ee350", "4928f0ab1e86067c",
    "58ede6b2271e9d20", "16a90257cb0f0319", "956bdd0a3bdc5ac1", "cdf22dd1f3d24877", "d57294b4b703d441",
]
PINNED_INSERTS = [
    "659b4d1d880f7e80", "55b54b0cb18b2061", "dc7db938c70b288e", "e8d3a4d04e847fd5", "e45b3c53cf6d7ab8",
    "8e9f6349404da813", "52392846a62fdc2b",
]
PINNED_SHEET = "d119252131a061cf"


def digest(img) -> str:
    return hashlib.sha256(img.tobytes()).hexdigest()[:16]


@pytest.fixture
def bundled_font(monkeypatch):
    """Pillow's own font: the same pixels on every machine, whatever fonts the system has."""
    monkeypatch.setattr(_text, "_font_path", lambda bold: None)
    monkeypatch.setattr(_text._local, "fonts", {}, raising=False)
    yield
    monkeypatch.setattr(_text._local, "fonts", {}, raising=False)


def test_storyboard_panels_are_pixel_identical_to_the_pinned_ones(bundled_font):
    specs = pinned_specs()
    got = [digest(render_frame(FrameSpec(**s))) for s in specs]
    if os.environ.get("AIUTEUR_PRINT_PINS"):
        print("PINNED =", got[: len(PINNED)], "\nPINNED_INSERTS =", got[len(PINNED):])
    expected = PINNED + PINNED_INSERTS
    changed = [(i, specs[i]["shot_type"], specs[i]["location"]) for i, (a, b) in enumerate(zip(got, expected)) if a != b]
    assert not changed, f"{len(changed)} panels changed: {changed[:5]}"
    assert len(got) == len(expected)


def test_contact_sheet_is_pixel_identical_to_the_pinned_one(bundled_font):
    images = [render_frame(FrameSpec(**s)) for s in pinned_specs()[:7]]
    sheet = contact_sheet(images, [f"L{i} label text here" for i in range(7)], columns=3, thumb_width=120)
    assert digest(sheet) == PINNED_SHEET
