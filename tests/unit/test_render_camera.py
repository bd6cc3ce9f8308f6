"""Camera-move vocabulary and geometry of the animatic (pure functions, no ffmpeg)."""
from __future__ import annotations

import pytest
from PIL import Image

from aiuteur.render import CAMERA_MOVES, normalize_camera_move
from aiuteur.render.animatic import _even_size
from aiuteur.render.camera import camera_at as _camera
from aiuteur.render.camera import view as _transform


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("static", "static"), (None, "static"), ("", "static"), ("locked off", "static"), ("whatever", "static"),
        ("push-in", "push_in"), ("Push In", "push_in"), ("dolly in", "push_in"), ("slow zoom in", "push_in"),
        ("PUSH_IN", "push_in"), ("pull out", "pull_out"), ("pull back", "pull_out"), ("zoom-out", "pull_out"),
        ("dolly out", "pull_out"), ("pan left", "pan_left"), ("Pan-Left", "pan_left"), ("pan right", "pan_right"),
        ("pan", "pan_right"), ("tilt up", "tilt_up"), ("crane up", "tilt_up"), ("tilt down", "tilt_down"),
        ("tracking", "pan_right"), ("tracking shot left", "pan_left"), ("truck right", "pan_right"),
        ("handheld", "handheld"), ("hand-held", "handheld"), ("shaky cam", "handheld"),
    ],
)
def test_camera_move_spellings(text, move):
    assert normalize_camera_move(text) == move
    assert move in CAMERA_MOVES


def test_moves_start_and_end_where_expected():
    phases = (0.1, 0.2, 0.3, 0.4, 0.5)
    assert _camera("static", 0.5, 1.0, phases) == (1.0, 0.0, 0.0, 0.0)
    z0, z1 = _camera("push_in", 0.0, 0, phases)[0], _camera("push_in", 1.0, 3, phases)[0]
    assert z0 == pytest.approx(1.0) and z1 > 1.1
    assert _camera("pull_out", 0.0, 0, phases)[0] > _camera("pull_out", 1.0, 3, phases)[0] == pytest.approx(1.0)
    # pan left: the view travels from right to left; tilt up: from low to high
    assert _camera("pan_left", 0.0, 0, phases)[1] > 0 > _camera("pan_left", 1.0, 3, phases)[1]
    assert _camera("pan_right", 0.0, 0, phases)[1] < 0 < _camera("pan_right", 1.0, 3, phases)[1]
    assert _camera("tilt_up", 0.0, 0, phases)[2] > 0 > _camera("tilt_up", 1.0, 3, phases)[2]
    shakes = {_camera("handheld", i / 10, i / 8, phases)[1:3] for i in range(10)}
    assert len(shakes) == 10  # it moves
    assert all(abs(dx) < 0.02 and abs(dy) < 0.02 for dx, dy in shakes)  # but only a little
    assert _camera("handheld", 0.3, 0.7, phases) == _camera("handheld", 0.3, 0.7, phases)


def test_transform_keeps_size_and_stays_inside_the_image():
    img = Image.new("RGB", (64, 36), (200, 10, 10))
    for move in CAMERA_MOVES:
        for p in (0.0, 0.5, 1.0):
            out = _transform(img, *_camera(move, p, p * 2, (1.0, 2.0, 3.0, 4.0, 5.0)))
            assert out.size == (64, 36)
            # no black borders creep in: the view never leaves the source picture
            assert min(out.getchannel("R").getextrema()) > 150, (move, p)


def test_even_size():
    assert _even_size((641, 361)) == (640, 360)
    assert _even_size((640, 360)) == (640, 360)
    with pytest.raises(ValueError):
        _even_size((1, 100))
