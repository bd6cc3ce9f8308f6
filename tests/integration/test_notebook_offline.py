"""Notebook helpers: the film plays inline from embedded bytes; Panel loads with inline resources."""
from __future__ import annotations

import base64
import re

import pytest

from aiuteur.notebook import film_player
from aiuteur.validate import FileRefused

def test_film_player_embeds_the_mp4_bytes(tmp_path):
    film = tmp_path / "film.mp4"
    payload = b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4
    film.write_bytes(payload)
    html = film_player(film)._repr_html_()
    encoded = re.search(r"data:video/mp4;base64,([A-Za-z0-9+/=\n]+)", html).group(1)
    assert base64.b64decode(encoded) == payload
    assert str(tmp_path) not in html  # no path for the Jupyter server to resolve


def test_film_player_refuses_what_is_not_a_film(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a film")
    with pytest.raises(ValueError, match="not an MP4"):
        film_player(tmp_path / "notes.mp4")
    with pytest.raises(FileRefused):
        film_player(tmp_path)  # a folder
