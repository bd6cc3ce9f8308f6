"""Animatic clips with the real ffmpeg: exact frame counts, codecs, camera moves, concat, failures, probe."""
from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from aiuteur.render import (
    CAMERA_MOVES,
    ClipJob,
    FrameSpec,
    RenderError,
    concat_clips,
    probe,
    render_clip,
    render_clips,
    render_frame,
    save_image,
)

pytestmark = pytest.mark.slow

SIZE = (320, 180)


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple[Path, Path]:
    """A start and an end storyboard frame of one shot."""
    root = tmp_path_factory.mktemp("frames")
    kw = dict(width=SIZE[0], height=SIZE[1], int_ext="EXT", time_of_day="DUSK", location="Harbour pier",
              shot_type="two-shot", characters=["Mara", "Joss"], caption="", title="SC010_SH0010")
    start = save_image(render_frame(FrameSpec(**kw)), root / "start.png")
    end = save_image(render_frame(FrameSpec(**kw, moment="end")), root / "end.png")
    return start, end


def decode(path: Path) -> list[np.ndarray]:
    """All frames of a clip as HxWx3 arrays."""
    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(("duration", "fps"), [(2.0, 24), (1.3, 25), (0.5, 30)])
def test_render_clip_exact_frames_codec_and_size(frames, tmp_path, duration, fps):
    out = render_clip(*frames, tmp_path / "clip.mp4", duration=duration, fps=fps, camera_move="push in")
    info = probe(out)
    expected = round(duration * fps)
    assert info.video_codec == "h264"
    assert info.pix_fmt == "yuv420p"
    assert (info.width, info.height) == SIZE
    assert info.frames == expected
    assert info.fps == pytest.approx(fps)
    assert abs(info.duration - expected / fps) <= 1 / fps
    assert info.has_audio and info.audio_codec == "aac"
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == expected
    assert leftovers(tmp_path) == ["clip.mp4"]  # no temp files left behind


def test_clip_goes_from_start_frame_to_end_frame(frames, tmp_path):
    from PIL import Image

    out = render_clip(*frames, tmp_path / "c.mp4", duration=1.0, fps=24)
    decoded = decode(out)
    assert len(decoded) == 24
    start = np.asarray(Image.open(frames[0]).convert("RGB"), dtype=float)
    end = np.asarray(Image.open(frames[1]).convert("RGB"), dtype=float)

    def dist(a, b):
        return float(np.abs(a.astype(float) - b).mean())

    assert dist(decoded[0], start) < dist(decoded[0], end)
    assert dist(decoded[-1], end) < dist(decoded[-1], start)
    assert dist(decoded[0], start) < 4  # h264 at crf 20 is close to the source


def test_size_is_forced_even_and_frames_are_fitted(frames, tmp_path):
    out = render_clip(*frames, tmp_path / "odd.mp4", duration=0.5, size=(201, 151))
    info = probe(out)
    assert (info.width, info.height) == (200, 150)
    assert info.frames == 12


def test_end_may_be_the_start_frame(frames, tmp_path):
    out = render_clip(frames[0], frames[0], tmp_path / "hold.mp4", duration=0.5, audio=False)
    info = probe(out)
    assert info.frames == 12 and not info.has_audio


@pytest.mark.parametrize("move", [m for m in CAMERA_MOVES if m != "static"])
def test_camera_moves_change_the_picture(frames, tmp_path, move):
    static = decode(render_clip(frames[0], frames[0], tmp_path / "s.mp4", duration=0.5, camera_move="static"))
    moving = decode(render_clip(frames[0], frames[0], tmp_path / "m.mp4", duration=0.5, camera_move=move))
    assert len(moving) == len(static) == 12
    # somewhere in the clip the move shows (a pull-out ends where a static shot is: compare every frame)
    diff = max(np.abs(m.astype(int) - s.astype(int)).mean() for m, s in zip(moving, static))
    assert diff > 2, move
    if move != "handheld":  # a continuous move: frames keep changing
        assert np.abs(moving[0].astype(int) - moving[-1].astype(int)).mean() > 2


def test_subtitle_is_burned_in_at_the_bottom(frames, tmp_path):
    plain = decode(render_clip(frames[0], frames[0], tmp_path / "p.mp4", duration=0.25))
    subbed = decode(render_clip(frames[0], frames[0], tmp_path / "s.mp4", duration=0.25,
                                subtitle="JOSS: We can't stay here."))
    h = SIZE[1]
    bottom = np.abs(subbed[0][int(h * 0.7):].astype(int) - plain[0][int(h * 0.7):].astype(int)).mean()
    top = np.abs(subbed[0][: int(h * 0.5)].astype(int) - plain[0][: int(h * 0.5)].astype(int)).mean()
    assert bottom > 10
    assert top < 1


def test_concat_of_three_clips_is_exact(frames, tmp_path):
    clips = [
        render_clip(*frames, tmp_path / f"c{i}.mp4", duration=d, fps=24, camera_move=m)
        for i, (d, m) in enumerate([(1.5, "push in"), (2.0, "handheld"), (2.5, "pan left")])
    ]
    counts = [probe(c).frames for c in clips]
    assert counts == [36, 48, 60]
    out = concat_clips(clips, tmp_path / "film" / "film.mp4")
    info = probe(out)
    assert info.frames == sum(counts)
    assert abs(info.duration - 6.0) <= 1 / 24
    assert info.video_codec == "h264" and info.has_audio
    assert (info.width, info.height) == SIZE
    assert leftovers(out.parent) == ["film.mp4"]


def test_missing_frame_raises_and_writes_nothing(frames, tmp_path):
    out = tmp_path / "bad.mp4"
    with pytest.raises(RenderError, match="not found"):
        render_clip(tmp_path / "nope.png", frames[1], out, duration=1.0)
    with pytest.raises(RenderError):
        render_clip(frames[0], tmp_path / "nope.png", out, duration=1.0)
    assert leftovers(tmp_path) == []


def test_unreadable_frame_raises(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png")
    with pytest.raises(RenderError, match="cannot read"):
        render_clip(junk, junk, tmp_path / "x.mp4", duration=1.0)
    assert leftovers(tmp_path) == ["junk.png"]


def test_ffmpeg_failure_carries_stderr_and_leaves_no_file(frames, tmp_path):
    with pytest.raises(RenderError) as err:
        render_clip(*frames, tmp_path / "x.mp4", duration=0.5, preset="no-such-preset")
    assert "no-such-preset" in str(err.value) or "preset" in err.value.stderr_tail
    assert err.value.stderr_tail
    assert leftovers(tmp_path) == []


def test_existing_output_survives_a_failed_render(frames, tmp_path):
    out = render_clip(*frames, tmp_path / "keep.mp4", duration=0.5)
    before = out.read_bytes()
    with pytest.raises(RenderError):
        render_clip(*frames, out, duration=0.5, preset="no-such-preset")
    assert out.read_bytes() == before


def test_bad_arguments_raise_value_error(frames, tmp_path):
    with pytest.raises(ValueError):
        render_clip(*frames, tmp_path / "x.mp4", duration=0)
    with pytest.raises(ValueError):
        render_clip(*frames, tmp_path / "x.mp4", duration=0.001, fps=24)
    with pytest.raises(ValueError):
        concat_clips([], tmp_path / "x.mp4")


def test_concat_refuses_mismatched_or_broken_clips(frames, tmp_path):
    a = render_clip(*frames, tmp_path / "a.mp4", duration=0.5)
    b = render_clip(*frames, tmp_path / "b.mp4", duration=0.5, size=(160, 90))
    with pytest.raises(RenderError, match="does not match"):
        concat_clips([a, b], tmp_path / "out.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"junk")
    with pytest.raises(RenderError):
        concat_clips([a, junk], tmp_path / "out.mp4")
    with pytest.raises(RenderError, match="not found"):
        concat_clips([a, tmp_path / "missing.mp4"], tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_render_clips_reports_progress(frames, tmp_path):
    seen = []
    jobs = [ClipJob(start=frames[0], end=frames[1], out=tmp_path / f"{i}.mp4", duration=0.25) for i in range(3)]
    outs = render_clips(jobs, progress=lambda done, total, path: seen.append((done, total, path.name)))
    assert [o.name for o in outs] == ["0.mp4", "1.mp4", "2.mp4"]
    assert seen == [(1, 3, "0.mp4"), (2, 3, "1.mp4"), (3, 3, "2.mp4")]


def test_probe_reads_images_and_rejects_junk(frames, tmp_path):
    info = probe(frames[0])
    assert info.video_codec == "png" and info.frames == 1
    assert (info.width, info.height) == SIZE
    assert not info.has_audio
    with pytest.raises(RenderError):
        probe(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(RenderError) as err:
        probe(junk)
    assert err.value.stderr_tail


def test_subtitle_band_covers_the_panel_caption(tmp_path):
    """With `subtitle_band`, the storyboard's own caption band is hidden under the subtitle band."""
    import imageio_ffmpeg as _iio
    from aiuteur.render import FrameSpec, caption_band_height, render_clip, render_frame

    panel = tmp_path / "panel.png"
    render_frame(FrameSpec(characters=["MARA"], caption="MARA: A caption that must not show twice.")).save(panel)
    band = round(caption_band_height(640, 360) * 1.25)
    out = render_clip(panel, panel, tmp_path / "c.mp4", duration=1.0, camera_move="tilt-up",
                      subtitle="MARA: A caption that must not show twice.", subtitle_band=band)
    reader = _iio.read_frames(str(out))
    meta = next(reader)
    w, h = meta["size"]
    frames = [bytes(f) for f in reader]
    last = frames[-1]
    # the left edge of the band (no text there) is the band's dark colour on every covered row
    for y in range(h - band + 2, h):
        r, g, b = last[(y * w + 3) * 3:(y * w + 3) * 3 + 3]
        assert max(r, g, b) < 40, (y, (r, g, b))


def test_a_push_in_keeps_the_caption_band_still_and_uncropped(tmp_path):
    """The storyboard's caption is held while the camera pushes in over the picture above it."""
    from aiuteur.render import FrameSpec, caption_band_height, render_clip, render_frame

    panel = tmp_path / "panel.png"
    render_frame(FrameSpec(characters=["ELSA"], caption="ELSA goes through a careful routine.")).save(panel)
    band = caption_band_height(640, 360)
    held = decode(render_clip(panel, panel, tmp_path / "held.mp4", duration=1.0, camera_move="push in",
                              caption_band=band))
    moved = decode(render_clip(panel, panel, tmp_path / "moved.mp4", duration=1.0, camera_move="push in"))
    h = held[0].shape[0]
    caption_first, caption_last = held[0][h - band:].astype(int), held[-1][h - band:].astype(int)
    assert np.abs(caption_first - caption_last).mean() < 2  # the caption did not move or grow
    assert np.abs(moved[-1][h - band:].astype(int) - moved[0][h - band:].astype(int)).mean() > 5  # it would have
    assert np.abs(held[-1][: h - band].astype(int) - held[0][: h - band].astype(int)).mean() > 2  # the picture moved


def test_crossfade_zero_cuts_between_poses_without_a_double_exposure(frames, tmp_path):
    from PIL import Image

    decoded = decode(render_clip(*frames, tmp_path / "cut.mp4", duration=1.0, fps=24, crossfade=0.0))
    start = np.asarray(Image.open(frames[0]).convert("RGB"), dtype=float)
    end = np.asarray(Image.open(frames[1]).convert("RGB"), dtype=float)
    for frame in decoded:  # every frame is one pose or the other, never a mix of both
        to_start, to_end = np.abs(frame - start).mean(), np.abs(frame - end).mean()
        assert min(to_start, to_end) < 4, (to_start, to_end)
    assert np.abs(decoded[0] - start).mean() < 4 and np.abs(decoded[-1] - end).mean() < 4


@pytest.fixture(scope="module")
def panels_1080p(tmp_path_factory) -> tuple[Path, Path]:
    """A start and an end panel of a shot at 1080p, with a caption in the panel's caption band."""
    root = tmp_path_factory.mktemp("hd")
    kw = dict(width=1920, height=1080, int_ext="EXT", time_of_day="DUSK", location="Harbour pier",
              shot_type="two-shot", characters=["Elsa", "Tom"], title="SC010_SH0010",
              caption="ELSA goes through a careful routine before the lamp is lit.")
    return (save_image(render_frame(FrameSpec(**kw)), root / "start.png"),
            save_image(render_frame(FrameSpec(**kw, moment="end")), root / "end.png"))


def test_at_1080p_a_push_in_never_crops_the_caption_and_never_double_exposes(panels_1080p, tmp_path):
    """The offline engine's action shot at 1080p: the caption band held still, pose A then pose B."""
    from PIL import Image

    from aiuteur.render import caption_band_height
    from aiuteur.render.camera import camera_at, moved

    band = caption_band_height(1920, 1080)
    out = render_clip(*panels_1080p, tmp_path / "hd.mp4", duration=0.5, fps=24, camera_move="push in",
                      caption_band=band, crossfade=0.0)
    info = probe(out)
    assert (info.width, info.height, info.frames) == (1920, 1080, 12)
    decoded = decode(out)
    start, end = (np.asarray(Image.open(p).convert("RGB"), dtype=float) for p in panels_1080p)
    h = 1080
    for i, frame in enumerate(decoded):  # the caption is the pose's own, untouched, in every frame
        pose = start if i < 6 else end
        assert np.abs(frame[h - band + 2:].astype(float) - pose[h - band + 2:]).mean() < 4, i  # h264 at crf 20
    assert np.abs(decoded[-1][: h - band].astype(int) - decoded[0][: h - band].astype(int)).mean() > 2  # it moved
    a, b = Image.open(panels_1080p[0]).convert("RGB"), Image.open(panels_1080p[1]).convert("RGB")
    for i in (0, 5, 6, 11):  # each frame is one pose under the camera, never a mix of both
        camera = camera_at("push_in", i / 11, i / 24, (0.0,) * 5)
        to_a = np.abs(decoded[i].astype(float) - np.asarray(moved(a, camera, band), dtype=float)).mean()
        to_b = np.abs(decoded[i].astype(float) - np.asarray(moved(b, camera, band), dtype=float)).mean()
        assert min(to_a, to_b) < 3 and max(to_a, to_b) > 2 * min(to_a, to_b) + 1, (i, to_a, to_b)


def test_at_1080p_a_dialogue_band_covers_the_caption_in_every_frame(panels_1080p, tmp_path):
    from aiuteur.render import caption_band_height

    band = round(caption_band_height(1920, 1080) * 1.25)
    out = render_clip(*panels_1080p, tmp_path / "line.mp4", duration=0.5, fps=24, camera_move="pan left",
                      subtitle="ELSA: The lamp has not gone out in forty years.", subtitle_band=band,
                      caption_band=caption_band_height(1920, 1080), crossfade=0.0)
    decoded = decode(out)
    h = 1080
    first = decoded[0][h - band:].astype(int)
    for frame in decoded:
        assert np.abs(frame[h - band:].astype(int) - first).mean() < 1  # the band never moves
        assert frame[h - band + 2:, :8].max() < 40  # and is opaque (its dark colour at the left edge)
    assert (first > 200).sum() > 500  # with the line's text in it
    assert np.abs(decoded[-1][: h - band].astype(int) - decoded[0][: h - band].astype(int)).mean() > 2
