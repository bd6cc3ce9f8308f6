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
    "f38f52377a184fa7", "7146de532e686855", "fe2dec923ea49962", "172ebdbf3663ad47", "a52f9fbbf8aa8c2a",
    "fcc6e1d93fc31a9e", "21733f5debce34e3", "a219cfd3bcb29434", "fb9d5f1ae78526d6", "3fb20c7a6bc393f3",
    "28843ee6fb813c78", "0c3e6ef46f886071", "88d1ad0b7c77b7ba", "5e108bf28c68ebda", "f90b0a2024de6a4f",
    "df8f461a4a66e69f", "4aedd01a0e671f59", "ac6da880e8b725ad", "6d66e958e9648077", "9be7fe7e64b52cba",
    "be35c2cf905d8688", "a7a25b68849cbde3", "b9e35ad5ea6c546a", "af01187ee0331575", "92f0ab9abc8f1d8e",
    "0a9d0c7a30a23c45", "1857370aa59738e1", "1b8fce00feff89d3", "421c3821525d5951", "9c1936c385594959",
    "8e9fb8f1f3f748cf", "702ae161138ec098", "2e4f535f931cebf4", "b0dcefccc02b8ca7", "f2077c421948cda5",
    "c427986918aa796f", "85f0ad7ce47939ea", "57ea011224d75f64", "398308a085443a22", "fbcc477a952e3359",
]
PINNED_INSERTS = [
    "77eba3d1c876e5b0", "7f16f1dddc794cf9", "dcb41835e9c801bb", "c9ce0bbfc90e7776", "a27f1f3e755cb2f4",
    "54d63c3fddb2b103", "d258cf84e21a5d23",
]
PINNED_SHEET = "636ed31ccf1bd0f9"


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
