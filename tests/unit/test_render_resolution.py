"""Output resolution per project (issue 12 part 5): named sizes per aspect ratio, custom sizes
checked (even, in range, the project's aspect), old projects keep the size they were made at;
and the yuv420p planes the animatic encodes are the picture's colours."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aiuteur.models.project import (
    DEFAULT_RESOLUTION,
    PREVIEW_RESOLUTION,
    ProjectConfig,
    frame_size,
    output_size,
    resolution_size,
)
from aiuteur.render.planes import even_up, to_planes


@pytest.mark.parametrize(("aspect", "p720", "p1080", "p2160"), [
    ("16:9", (1280, 720), (1920, 1080), (3840, 2160)),
    ("9:16", (720, 1280), (1080, 1920), (2160, 3840)),
    ("1:1", (720, 720), (1080, 1080), (2160, 2160)),
    ("4:3", (960, 720), (1440, 1080), (2880, 2160)),
    ("2.39:1", (1280, 536), (1920, 804), (3840, 1606)),
])
def test_named_resolutions_fit_the_aspect_in_even_pixels(aspect, p720, p1080, p2160):
    assert resolution_size("720p", aspect) == p720
    assert resolution_size("1080p", aspect) == p1080
    assert resolution_size("2160P", aspect) == p2160  # case does not matter
    assert resolution_size(PREVIEW_RESOLUTION, aspect) == frame_size(aspect)
    for w, h in (p720, p1080, p2160):
        assert w % 2 == 0 and h % 2 == 0


def test_new_projects_render_at_720p_and_choose_another():
    config = ProjectConfig(title="Lighthouse")
    assert config.resolution == DEFAULT_RESOLUTION == "720p"
    assert output_size(config) == (1280, 720)
    assert output_size(ProjectConfig(title="L", resolution="1080p")) == (1920, 1080)
    assert output_size(ProjectConfig(title="L", aspect_ratio="9:16", resolution="1080p")) == (1080, 1920)
    assert output_size(ProjectConfig(title="L", resolution="1600x900")) == (1600, 900)
    assert output_size(ProjectConfig(title="L", aspect_ratio="2.39:1", resolution="1920x804")) == (1920, 804)


def test_a_config_stored_before_the_setting_keeps_its_preview_size():
    stored = ProjectConfig(title="Old film").model_dump()
    del stored["resolution"]
    old = ProjectConfig.model_validate(stored, context={"stored": True})
    assert old.resolution == PREVIEW_RESOLUTION and output_size(old) == (640, 360)
    assert ProjectConfig.model_validate(stored).resolution == DEFAULT_RESOLUTION  # a new config: the default


@pytest.mark.parametrize(("resolution", "aspect", "says"), [
    ("1921x1080", "16:9", "even"),
    ("1920x1081", "16:9", "even"),
    ("100x56", "16:9", "within 128..8192"),
    ("16384x9216", "16:9", "within 128..8192"),
    ("1920x1200", "16:9", "not the project's 16:9"),
    ("1080x1920", "16:9", "not the project's 16:9"),
    ("1920x1080", "9:16", "not the project's 9:16"),
    ("4k", "16:9", "WIDTHxHEIGHT"),
    ("1920x", "16:9", "WIDTHxHEIGHT"),
    ("-1920x1080", "16:9", "WIDTHxHEIGHT"),
    ("1920.5x1080", "16:9", "WIDTHxHEIGHT"),
])
def test_a_bad_resolution_is_refused_with_the_reason(resolution, aspect, says):
    with pytest.raises(ValueError, match=says):
        ProjectConfig(title="L", aspect_ratio=aspect, resolution=resolution)


def test_planes_are_bt601_limited_range_of_the_picture():
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (36, 64, 3), dtype=np.uint8)
    planes = to_planes(Image.fromarray(rgb))
    assert planes.y.size == (64, 36) and planes.u.size == planes.v.size == (32, 18)
    f = rgb.astype(float)
    y = 16 + (65.481 * f[..., 0] + 128.553 * f[..., 1] + 24.966 * f[..., 2]) / 255
    quad = f.reshape(18, 2, 32, 2, 3).mean(axis=(1, 3))
    cb = 128 + (-37.797 * quad[..., 0] - 74.203 * quad[..., 1] + 112.0 * quad[..., 2]) / 255
    cr = 128 + (112.0 * quad[..., 0] - 93.786 * quad[..., 1] - 18.214 * quad[..., 2]) / 255
    for plane, want in zip(planes, (y, cb, cr)):
        assert np.abs(np.asarray(plane, dtype=float) - want).max() <= 2.0
    assert len(planes.tobytes()) == 64 * 36 * 3 // 2
    assert (even_up(7), even_up(8)) == (8, 8)


@pytest.mark.parametrize("command", ["new", "demo"])
def test_the_cli_takes_a_resolution_and_refuses_a_bad_one_before_writing_anything(tmp_path, command):
    from typer.testing import CliRunner

    from aiuteur.cli import app

    workspace, out = tmp_path / "ws.duckdb", tmp_path / "out"
    args = ([command, "Lantern Keepers", "--idea", "Two keepers of a lighthouse quarrel over the lamp."]
            if command == "new" else [command, "--out", str(out)])
    result = CliRunner().invoke(app, [*args, "--resolution", "1921x1080", "--workspace", str(workspace)])
    assert result.exit_code != 0
    assert "must be even" in result.output and "Traceback" not in result.output
    assert not workspace.exists() and not out.exists()
    if command == "new":
        made = CliRunner().invoke(app, [*args, "--resolution", "1080p", "--workspace", str(workspace)])
        assert made.exit_code == 0, made.output
        from aiuteur.store import Store

        with Store(workspace) as store:
            (project,) = store.list_projects()
            assert project.config.resolution == "1080p" and output_size(project.config) == (1920, 1080)
