"""The quality bar of issue 10 on real SDK engines (Gemini image, Veo video) against the fakes:
after a full run, editing one shot's frame prompt pays exactly its 2 frames and 1 clip; editing its
video prompt pays 1 clip; the film is rebuilt with the retake in its place — checked on the film's
pixels. Counted on the fake provider's own requests and bills, not on our ledger.

Size: the Lighthouse idea at three minutes makes 43 shots in 8 scenes, the
smallest film that still has continuing and standalone shots in several scenes; the full paid run
takes about a minute on the test machine.

Also here: a frame repair through gpt-image-1's masked edit and through Gemini's edit by reference,
each keeping every pixel outside the region.
"""
from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aiuteur import Engines, open_store, run, start_project
from aiuteur.models.media import ShotFrames, ShotVideo
from aiuteur.models.project import ProjectConfig
from aiuteur.models.prompts import ShotPrompt
from aiuteur.models.shots import ShotList
from aiuteur.stages import frames, prompts, shots, video
from aiuteur.stages.confirm import all_shots
from tests.conftest import LIGHTHOUSE
from tests.integration.test_film_truth import SAME_PICTURE, difference, film_segments, signatures

pytestmark = pytest.mark.slow

IMAGE, VIDEO = "gemini:gemini-2.5-flash-image", "veo:veo-3.1-fast-generate-preview"


def coloured_clip(width: int, height: int, seconds: float, tag: str) -> bytes:
    """The fake's clip, but each generation a colour of its own, so a take shows in the film's pixels."""
    import imageio_ffmpeg

    colour = hashlib.sha256(tag.encode()).hexdigest()[:6]
    width, height = width - width % 2, height - height % 2
    with tempfile.TemporaryDirectory(prefix="fake-clip-") as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                        "-i", f"color=c=0x{colour}:s={width}x{height}:r=24:d={seconds:g}", "-c:v", "libx264",
                        "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
                       check=True, capture_output=True)
        return out.read_bytes()


@pytest.fixture(scope="module")
def paid_run(tmp_path_factory):
    from _pytest.monkeypatch import MonkeyPatch

    from aiuteur.jobs.limits import set_limits
    from tests.fakes import gemini_fake
    from tests.fakes.fixtures import FAKE_KEYS, GOOGLE_ENV, offline_google_auth, vertex_env
    from tests.fakes.gemini_fake import GeminiFake
    from tests.fakes.server import RunningFake

    patch = MonkeyPatch()
    for name, value in FAKE_KEYS.items():
        patch.setenv(name, value)
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "GEMINI_API_KEY", *GOOGLE_ENV):
        patch.delenv(name, raising=False)
    patch.setenv("AIUTEUR_VIDEO_POLL_SECONDS", "0.01")
    patch.setattr(gemini_fake, "own_clip", coloured_clip)
    fake = RunningFake(GeminiFake())
    patch.setenv("GOOGLE_GEMINI_BASE_URL", fake.url)
    offline_google_auth(patch, tmp_path_factory.mktemp("gcloud"))
    for name, value in vertex_env(fake.url, tmp_path_factory.mktemp("vertex")).items():
        patch.setenv(name, value)
    set_limits("veo", poll_interval=0.01)
    engines = Engines.from_ids(image=IMAGE, video=VIDEO)  # text offline: the bills counted are images and clips
    store = open_store(tmp_path_factory.mktemp("paid-once") / "ws.duckdb")
    project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=3.0))
    run(store, project, engines)
    yield dict(store=store, project=project, engines=engines, fake=fake)
    store.close()
    fake.stop()
    patch.undo()
    set_limits("veo", None)


def bills(fake) -> tuple[int, int, int, int]:
    """(image requests, images billed, video requests, clips billed) as the fake provider counts them."""
    usage = fake.control.usage
    return (fake.control.count("generateContent"), sum(b.get("images", 0) for b in usage),
            fake.control.count("predictLongRunning"), sum(1 for b in usage if b.get("video_seconds")))


def continued_shot(store, project):
    """A shot in the middle of the film that the next shot continues (takes its end frame), and that
    next shot: the case where the old stage 10 re-paid the rest of the scene."""
    shot_lists = [store.require_head(project, shots.key(n)).model(ShotList) for n in shots.scenes(store, project)]
    for shot_list in shot_lists[len(shot_lists) // 2:] + shot_lists:
        for shot, after in zip(shot_list.shots, shot_list.shots[1:]):
            if frames.continues(shot, after):
                return shot, after
    raise AssertionError("no continuing shots")


def clip_of(store, project, shot_id) -> Path:
    return store.media_path(store.require_head(project, video.key(shot_id)).model(ShotVideo).media)


def film_shows(store, project, shot_id):
    """The film's pictures where `shot_id` is, after checking that the film is the cut's current
    clips in order (a paid clip is the length the model makes, not the shot's: Veo bills 4, 6 or 8 s)."""
    film_path, film, segments = film_segments(store, project)
    assert [s.shot_id for s in segments] == [s.shot_id for s in all_shots(store, project)]
    assert all(s.clip == clip_of(store, project, s.shot_id) for s in segments)
    frames_in_film = signatures(film_path)
    assert len(frames_in_film) == sum(s.frames for s in segments)
    segment = next(s for s in segments if s.shot_id == shot_id)
    return frames_in_film[segment.start:segment.start + segment.frames]


def test_a_full_run_bought_every_frame_and_clip_once(paid_run):
    store, project, fake = paid_run["store"], paid_run["project"], paid_run["fake"]
    count = len(all_shots(store, project))
    assert count >= 30
    image_requests, images, video_requests, clips = bills(fake)
    assets = sum(1 for g in store.generations(project.id) if g.kind == "image" and g.stage == "assets")
    assert image_requests == images == 2 * count + assets
    assert video_requests == clips == count
    film_shows(store, project, all_shots(store, project)[0].shot_id)


def test_editing_one_frame_prompt_pays_two_frames_and_one_clip_and_the_film_shows_it(paid_run):
    store, project, fake, engines = paid_run["store"], paid_run["project"], paid_run["fake"], paid_run["engines"]
    shot, follower = continued_shot(store, project)
    old_clip = clip_of(store, project, shot.shot_id)
    follower_frames = store.require_head(project, frames.key(follower.shot_id)).id
    follower_clip = store.require_head(project, video.key(follower.shot_id)).id
    before = bills(fake)
    current = store.require_head(project, prompts.key(shot.shot_id)).model(ShotPrompt)
    prompts.edit(store, project, shot.shot_id, frame_prompt=current.frame_prompt + " A gull crosses the light.",
                 confirm_invalidation=True)
    run(store, project, engines)
    after = bills(fake)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3]) == (2, 2, 1, 1)
    new_clip = clip_of(store, project, shot.shot_id)
    assert new_clip != old_clip
    # the shot that continues it keeps its frames and clip; its card says the source changed
    assert store.require_head(project, frames.key(follower.shot_id)).id == follower_frames
    assert store.require_head(project, video.key(follower.shot_id)).id == follower_clip
    card = next(c for c in frames.frame_cards(store, project, follower.scene) if c.shot_id == follower.shot_id)
    assert card.continues_from == shot.shot_id and card.continuity_changed
    shown = film_shows(store, project, shot.shot_id)
    assert difference(shown, signatures(new_clip)) < SAME_PICTURE
    assert difference(shown, signatures(old_clip)) > 10 * SAME_PICTURE


def test_editing_one_video_prompt_pays_one_clip(paid_run):
    store, project, fake, engines = paid_run["store"], paid_run["project"], paid_run["fake"], paid_run["engines"]
    shot, _ = continued_shot(store, project)
    frames_before = store.require_head(project, frames.key(shot.shot_id)).model(ShotFrames)
    old_clip = clip_of(store, project, shot.shot_id)
    before = bills(fake)
    current = store.require_head(project, prompts.key(shot.shot_id)).model(ShotPrompt)
    prompts.edit(store, project, shot.shot_id, video_prompt=current.video_prompt + " Slow push in.",
                 confirm_invalidation=True)
    run(store, project, engines)
    after = bills(fake)
    assert (after[0] - before[0], after[2] - before[2], after[3] - before[3]) == (0, 1, 1)
    assert store.require_head(project, frames.key(shot.shot_id)).model(ShotFrames) == frames_before
    new_clip = clip_of(store, project, shot.shot_id)
    shown = film_shows(store, project, shot.shot_id)
    assert difference(shown, signatures(new_clip)) < SAME_PICTURE < 10 * SAME_PICTURE < difference(
        shown, signatures(old_clip))


def _pixels(store, ref) -> np.ndarray:
    with Image.open(store.media_path(ref)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def test_repair_through_gemini_edits_by_reference_and_keeps_the_rest(paid_run):
    store, project, fake, engines = paid_run["store"], paid_run["project"], paid_run["fake"], paid_run["engines"]
    shot = all_shots(store, project)[0]
    old = _pixels(store, store.require_head(project, frames.key(shot.shot_id)).model(ShotFrames).start)
    requests = fake.control.count("generateContent")
    frames.repair_region(store, project, engines, shot.shot_id, "start", (20, 20, 80, 60), guidance="a lit window")
    assert fake.control.count("generateContent") == requests + 1
    sent = fake.control.of("generateContent")[-1].json["contents"][0]["parts"]
    assert "Repaint only the region" in sent[0]["text"] and sum("inlineData" in p for p in sent) >= 2
    new = _pixels(store, store.require_head(project, frames.key(shot.shot_id)).model(ShotFrames).start)
    inside = np.zeros(old.shape[:2], bool)
    inside[20:80, 20:100] = True
    assert (new[~inside] == old[~inside]).all() and (new[inside] != old[inside]).any()


def test_repair_through_gpt_image_sends_a_mask(fake_openai, tmp_path):
    from tests.fakes.content import png_bytes

    from aiuteur.engines.protocols import ImageRequest
    from aiuteur.engines.registry import get_engine

    image, mask = tmp_path / "frame.png", tmp_path / "mask.png"
    image.write_bytes(png_bytes(64, 36, "frame"))
    region = Image.new("L", (64, 36), 0)
    region.paste(255, (10, 10, 30, 20))
    region.save(mask)
    engine = get_engine("image", "openai:gpt-image-1")
    assert engine.can_edit()
    result = engine.image(ImageRequest(prompt="repaint the lamp", width=640, height=360, references=[image], mask=mask))
    assert result.data.startswith(b"\x89PNG")
    form = fake_openai.control.of("images.edit")[0].form()
    import io

    with Image.open(io.BytesIO(form["mask"][1])) as sent:
        alpha = np.asarray(sent.convert("RGBA"))[..., 3]
    assert alpha[15, 20] == 0 and alpha[0, 0] == 255  # transparent where to repaint, as gpt-image-1 wants
