"""Storyboard panels: size, determinism, consistent character looks, backdrops, framing, captions."""
from __future__ import annotations

import pytest
from PIL import Image, ImageStat

from aiuteur.render import (
    CharacterLook,
    FrameSpec,
    character_look,
    contact_sheet,
    normalize_int_ext,
    normalize_shot_type,
    normalize_time_of_day,
    render_frame,
    save_image,
)
from aiuteur.render._text import ELLIPSIS, Run, get_font, wrap_runs

ASPECTS = [(640, 360), (360, 640), (480, 480), (640, 268)]


def spec(**kw) -> FrameSpec:
    base = dict(width=320, height=180, int_ext="EXT", time_of_day="DAY", location="Forest clearing",
                shot_type="medium", characters=["Mara"], caption="Mara looks around.", title="SC010_SH0010")
    base.update(kw)
    return FrameSpec(**base)


def colour_count(img: Image.Image, colour: tuple[int, int, int]) -> int:
    """Pixels exactly equal to ``colour``."""
    r, g, b = (img.getchannel(c).point(lambda v, t=t: 255 if v == t else 0) for c, t in zip("RGB", colour))
    from PIL import ImageChops

    mask = ImageChops.multiply(ImageChops.multiply(r, g), b)
    return mask.histogram()[255]


def top_brightness(img: Image.Image, frac: float = 0.4) -> float:
    top = img.crop((0, 0, img.width, int(img.height * frac))).convert("L")
    return ImageStat.Stat(top).mean[0]


@pytest.mark.parametrize("size", ASPECTS)
def test_frame_size_matches_spec(size):
    w, h = size
    img = render_frame(spec(width=w, height=h, characters=["Mara", "Joss"], shot_type="two-shot"))
    assert img.size == (w, h)
    assert img.mode == "RGB"


@pytest.mark.parametrize("shot", ["wide", "medium", "CU", "ECU", "OTS", "insert", "establishing", "MCU"])
def test_same_spec_same_pixels(shot):
    s = spec(shot_type=shot, characters=["Mara", "Joss"], moment="end", tags={"MARA": ["muddy"]})
    a = render_frame(s).tobytes()
    b = render_frame(FrameSpec(**s.model_dump())).tobytes()
    assert a == b


def test_end_moment_differs_from_start():
    start = render_frame(spec(characters=["Mara", "Joss"]))
    end = render_frame(spec(characters=["Mara", "Joss"], moment="end"))
    assert start.tobytes() != end.tobytes()


def test_character_look_is_stable_and_name_based():
    assert character_look("Mara") == character_look("MARA") == character_look("  mara (V.O.) ")
    mara, joss = character_look("Mara"), character_look("Joss")
    assert mara != joss
    assert mara.colour != joss.colour
    names = ["Mara", "Joss", "Dex", "Old Woman", "Anna", "Ben", "Carl", "Frank"]
    assert len({character_look(n).colour for n in names}) >= 5  # the palette really spreads


def test_character_colour_appears_in_different_shots():
    mara = character_look("Mara")
    shots = [
        spec(shot_type="wide", characters=["Mara", "Joss"], location="Forest clearing", time_of_day="DAY"),
        spec(shot_type="close-up", characters=["Mara"], int_ext="INT", location="Kitchen", time_of_day="NIGHT"),
        spec(shot_type="OTS", characters=["Joss", "Mara"], int_ext="EXT", location="Main street", time_of_day="DUSK"),
    ]
    for s in shots:
        assert colour_count(render_frame(s), mara.colour) > 50


def test_characters_given_as_names_or_looks_draw_the_same():
    a = render_frame(spec(characters=["Mara"]))
    b = render_frame(spec(characters=[character_look("Mara")]))
    assert a.tobytes() == b.tobytes()


def test_custom_look_colour_is_drawn():
    look = CharacterLook(name="ROBOT", colour=(13, 200, 77), silhouette="broad")
    assert colour_count(render_frame(spec(characters=[look])), (13, 200, 77)) > 100


def test_int_and_ext_backdrops_differ():
    ext = render_frame(spec(int_ext="EXT", characters=[], shot_type="wide"))
    int_ = render_frame(spec(int_ext="INT", characters=[], shot_type="wide"))
    from PIL import ImageChops

    diff = ImageStat.Stat(ImageChops.difference(ext, int_).convert("L")).mean[0]
    assert diff > 20


@pytest.mark.parametrize("int_ext", ["EXT", "INT"])
def test_night_is_darker_than_day(int_ext):
    day = render_frame(spec(int_ext=int_ext, time_of_day="DAY", shot_type="wide", characters=[]))
    night = render_frame(spec(int_ext=int_ext, time_of_day="NIGHT", shot_type="wide", characters=[]))
    assert top_brightness(night) < top_brightness(day) - 40


def test_dusk_sky_is_warm_and_between_day_and_night():
    kw = dict(int_ext="EXT", shot_type="wide", characters=[], location="Beach")
    day, dusk, night = (render_frame(spec(time_of_day=t, **kw)) for t in ("DAY", "DUSK", "NIGHT"))
    sky = dusk.crop((0, int(dusk.height * 0.3), dusk.width, int(dusk.height * 0.45)))
    r, g, b = ImageStat.Stat(sky).mean
    assert r > b  # orange/pink low sky
    assert top_brightness(night) < top_brightness(dusk) < top_brightness(day)


def test_close_up_character_is_bigger_than_in_wide():
    colour = character_look("Mara").colour
    wide = colour_count(render_frame(spec(shot_type="wide")), colour)
    medium = colour_count(render_frame(spec(shot_type="medium")), colour)
    close = colour_count(render_frame(spec(shot_type="close-up")), colour)
    assert 0 < wide < medium < close
    assert close > 3 * wide


def test_close_up_shows_one_character_the_speaker():
    mara, joss = character_look("Mara"), character_look("Joss")
    img = render_frame(spec(shot_type="CU", characters=["Mara", "Joss"], caption="JOSS: Go."))
    assert colour_count(img, joss.colour) > 1000
    assert colour_count(img, mara.colour) < 50


def test_insert_has_no_characters():
    mara = character_look("Mara")
    img = render_frame(spec(shot_type="insert", characters=["Mara"], caption="A phone buzzes on the table."))
    assert colour_count(img, mara.colour) == 0


def test_caption_band_is_drawn_at_the_bottom():
    with_caption = render_frame(spec(caption="Mara checks the map, then the sky."))
    without = render_frame(spec(caption=""))
    h = with_caption.height
    band = (0, int(h * 0.88), with_caption.width, h)
    dark_with = ImageStat.Stat(with_caption.crop(band).convert("L")).mean[0]
    dark_without = ImageStat.Stat(without.crop(band).convert("L")).mean[0]
    assert dark_with < dark_without  # semi-opaque dark band
    bright = with_caption.crop(band).convert("L").point(lambda v: 255 if v > 200 else 0).histogram()[255]
    assert bright > 20  # light caption text in it
    # the picture above the band is untouched by the caption
    top = (0, 0, with_caption.width, int(h * 0.5))
    assert with_caption.crop(top).tobytes() == without.crop(top).tobytes()


def test_long_caption_is_truncated_with_ellipsis():
    font = get_font(14)
    long = "word " * 200
    lines = wrap_runs([Run(long, font, (255, 255, 255))], 200, 2)
    assert len(lines) == 2
    assert lines[-1][-1].text.endswith(ELLIPSIS)
    short = wrap_runs([Run("two words", font, (255, 255, 255))], 200, 2)
    assert [w.text for w in short[0]] == ["two", "words"]
    # and a panel with a very long caption still renders at the right size
    img = render_frame(spec(caption="MARA: " + "a very long line of dialogue " * 30))
    assert img.size == (320, 180)


def test_status_tags_are_drawn_next_to_the_character():
    tag_yellow = (255, 214, 64)
    plain = render_frame(spec(shot_type="wide", characters=["Mara", "Joss"]))
    tagged = render_frame(spec(shot_type="wide", characters=["Mara", "Joss"], tags={"Mara": ["muddy"]}))
    assert colour_count(plain, tag_yellow) == 0
    assert colour_count(tagged, tag_yellow) > 20


def test_spelling_normalisation():
    assert normalize_shot_type("CU") == "close-up"
    assert normalize_shot_type("Close Up") == "close-up"
    assert normalize_shot_type("ECU") == "extreme close-up"
    assert normalize_shot_type("ws") == "wide"
    assert normalize_shot_type("MS") == "medium"
    assert normalize_shot_type("OTS") == "over-the-shoulder"
    assert normalize_shot_type("over-the-shoulder shot") == "over-the-shoulder"
    assert normalize_shot_type("2-shot") == "two-shot"
    assert normalize_shot_type("Establishing shot") == "establishing"
    assert normalize_shot_type("INSERT") == "insert"
    assert normalize_shot_type("something odd") == "medium"
    assert normalize_int_ext("int.") == "INT"
    assert normalize_int_ext("EXT") == "EXT"
    assert normalize_int_ext("INT./EXT.") == "INT/EXT"
    assert normalize_int_ext("I/E") == "INT/EXT"
    assert normalize_int_ext("") is None
    assert normalize_time_of_day("NIGHT") == "night"
    assert normalize_time_of_day("LATE NIGHT") == "night"
    assert normalize_time_of_day("SUNSET") == "dusk"
    assert normalize_time_of_day("CONTINUOUS") == "day"
    assert normalize_time_of_day(None) == "day"
    s = FrameSpec(shot_type="CU", int_ext="ext.", moment="END")
    assert (s.shot_type, s.int_ext, s.moment) == ("close-up", "EXT", "end")


def test_bad_spec_is_rejected():
    with pytest.raises(ValueError):
        FrameSpec(width=0, height=100)
    with pytest.raises(ValueError):
        FrameSpec(moment="middle")
    with pytest.raises(ValueError):
        CharacterLook(name="X", colour=(300, 0, 0))


def test_contact_sheet_grid_dimensions():
    images = [render_frame(spec(title=f"SH{i:04d}")) for i in range(7)]
    labels = [f"SC010_SH{i:04d}" for i in range(7)]
    sheet = contact_sheet(images, labels, columns=3, thumb_width=200)
    margin = max(4, 200 // 30)  # documented: margin grows with thumb width
    assert sheet.width == 3 * 200 + 4 * margin
    thumb_h = round(180 * 200 / 320)
    assert sheet.height > 3 * thumb_h + 4 * margin  # 3 rows plus label lines
    assert sheet.height < 3 * (thumb_h * 2) + 4 * margin
    # fewer images than columns: the sheet is as narrow as needed
    small = contact_sheet(images[:2], labels[:2], columns=6, thumb_width=100)
    assert small.width == 2 * 100 + 3 * max(4, 100 // 30)
    with pytest.raises(ValueError):
        contact_sheet(images, labels[:3])
    with pytest.raises(ValueError):
        contact_sheet([], [])


def test_save_image_is_atomic_and_complete(tmp_path):
    img = render_frame(spec())
    out = save_image(img, tmp_path / "frames" / "a.png")
    assert out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["a.png"]
    with Image.open(out) as back:
        assert back.convert("RGB").tobytes() == img.tobytes()


def test_renders_without_any_system_font(monkeypatch):
    """No DejaVu/Liberation installed: fall back to Pillow's bundled font, still draw captions."""
    from aiuteur.render import _text

    monkeypatch.setattr(_text, "_font_path", lambda bold: None)
    monkeypatch.setattr(_text._local, "fonts", {}, raising=False)
    img = render_frame(spec(caption="MARA: Still readable?"))
    assert img.size == (320, 180)
    band = img.crop((0, int(img.height * 0.88), img.width, img.height)).convert("L")
    assert band.point(lambda v: 255 if v > 200 else 0).histogram()[255] > 20
    monkeypatch.setattr(_text._local, "fonts", {}, raising=False)


def test_rendering_in_threads_is_deterministic():
    from concurrent.futures import ThreadPoolExecutor

    specs = [spec(shot_type=t, characters=["Mara", "Joss"], caption=f"JOSS: take {i}")
             for i, t in enumerate(["wide", "medium", "CU", "OTS", "insert", "two-shot"])]
    sequential = [render_frame(s).tobytes() for s in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda s: render_frame(s).tobytes(), specs))
    assert threaded == sequential
