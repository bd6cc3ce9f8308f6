"""Video engines (Veo, fal, retired Sora) through their real SDKs, over HTTP, against the fakes."""
from __future__ import annotations

import base64

import pytest

from aiuteur.engines.capabilities import CapabilityError, RetiredModel, billed_seconds
from aiuteur.engines.protocols import VideoRequest
from aiuteur.engines.providers.errors import MissingKey, RateLimited, SafetyBlocked
from aiuteur.engines.registry import get_engine
from tests.fakes.content import png_bytes


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def frames(tmp_path):
    start, end = tmp_path / "start.png", tmp_path / "end.png"
    start.write_bytes(png_bytes(64, 36, "start"))
    end.write_bytes(png_bytes(64, 36, "end"))
    return start, end


def clip(frames, duration=3.4, width=640, height=360, end=True, **context):
    start, last = frames
    return VideoRequest(prompt="Waves break on the rocks below the lighthouse.", duration=duration, fps=24, width=width,
                        height=height, start_frame=start, end_frame=last if end else None, context=context)


def test_veo_first_and_last_frame_duration_rounded_up_to_what_it_bills(fake_gemini, frames):
    result = get_engine("video", "veo:veo-3.1-fast-generate-preview").video(clip(frames))
    assert result.mime == "video/mp4" and result.data[4:8] == b"ftyp"
    assert result.usage.video_seconds == 4.0 and result.note is None
    assert result.duration == pytest.approx(4.0, abs=0.1) and result.frames == 96
    body = fake_gemini.control.of("predictLongRunning")[0].json
    instance, params = body["instances"][0], body["parameters"]
    assert b64(instance["image"]["bytesBase64Encoded"]) == frames[0].read_bytes()
    assert b64(instance["lastFrame"]["bytesBase64Encoded"]) == frames[1].read_bytes()
    assert params == {"sampleCount": 1, "durationSeconds": 4, "aspectRatio": "16:9", "resolution": "720p"}
    assert fake_gemini.control.count("files.download") == 1


def test_veo_reference_images(fake_gemini, frames):
    get_engine("video", "veo:veo-3.1-generate-preview").video(clip(frames, reference_images=[frames[0], frames[1]]))
    refs = fake_gemini.control.of("predictLongRunning")[0].json["instances"][0]["referenceImages"]
    assert [r["referenceType"] for r in refs] == ["ASSET", "ASSET"]


def test_veo_model_without_last_frame_falls_back_and_says_so(fake_gemini, frames):
    result = get_engine("video", "veo:veo-3.0-generate-001").video(clip(frames))
    assert "lastFrame" not in fake_gemini.control.of("predictLongRunning")[0].json["instances"][0]
    assert "first frame only" in result.note and "continuity" in result.note


def test_veo_service_refusing_the_last_frame_falls_back_and_says_so(fake_gemini, frames):
    fake_gemini.control.options["refuse_last_frame"] = True
    engine = get_engine("video", "veo:veo-3.1-generate-preview")
    result = engine.video(clip(frames))
    sent = fake_gemini.control.of("predictLongRunning")
    assert ["lastFrame" in r.json["instances"][0] for r in sent] == [True, False]
    assert "refused the end frame" in result.note


def test_veo_start_and_poll_resume_in_a_new_engine(fake_gemini, frames):
    """What the job runner does after a crash: poll the saved operation id; nothing is submitted again."""
    fake_gemini.control.options["video_polls"] = 3
    operation_id = get_engine("video", "veo:veo-3.1-fast-generate-preview").start(clip(frames))
    assert operation_id.startswith("models/veo-3.1-fast-generate-preview/operations/")
    fresh = get_engine("video", "veo:veo-3.1-fast-generate-preview")  # "the next process"
    assert fresh.poll(operation_id, request=clip(frames)) is None
    assert fresh.poll(operation_id, request=clip(frames)) is None
    result = fresh.poll(operation_id, request=clip(frames))
    assert result is not None and result.usage.video_seconds == 4.0
    assert fake_gemini.control.count("predictLongRunning") == 1


def test_veo_poll_without_the_request_reads_facts_from_the_clip(fake_gemini, frames):
    engine = get_engine("video", "veo:veo-3.1-fast-generate-preview")
    result = engine.poll(engine.start(clip(frames, duration=5.5)))
    assert result.usage.video_seconds == 6.0


def test_veo_safety_filter_keeps_the_reason(fake_gemini, frames):
    fake_gemini.control.queue("operations.get", fake_gemini.provider.safety("operations.get", "celebrity likeness"))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("video", "veo:veo-3.1-fast-generate-preview").video(clip(frames))
    assert caught.value.reason == "celebrity likeness" and not caught.value.retryable


@pytest.mark.parametrize("change,field", [
    (dict(width=576, height=432), "aspect_ratio"),        # 4:3: Veo makes 16:9 and 9:16
    (dict(width=688, height=288), "aspect_ratio"),        # 2.39:1
    (dict(duration=9.0), "duration"),                     # longer than Veo's 8 s
])
def test_capability_check_refuses_before_any_request(fake_gemini, frames, change, field):
    engine = get_engine("video", "veo:veo-3.1-fast-generate-preview")
    with pytest.raises(CapabilityError) as caught:
        engine.video(clip(frames, **change))
    assert caught.value.field == field
    assert fake_gemini.control.count() == 0


def test_unsupported_resolution_is_refused_before_any_request(fake_gemini, frames):
    from aiuteur.engines.providers.google import VeoEngine

    with pytest.raises(CapabilityError, match="resolution"):
        VeoEngine("veo-2.0-generate-001", resolution="1080p").video(clip(frames, duration=6))
    assert fake_gemini.control.count() == 0


def test_billed_seconds_follow_the_matrix():
    assert billed_seconds("veo:veo-3.1-fast-generate-preview", 3.4) == 4.0
    assert billed_seconds("veo:veo-3.1-fast-generate-preview", 6.0) == 6.0
    assert billed_seconds("fal:kling-v4", 3.4) == 4.0
    assert billed_seconds("offline:animatic", 3.4) == 3.4


def test_retired_sora_is_refused_before_any_request(fake_openai):
    with pytest.raises(RetiredModel, match="2026-09-24"):
        get_engine("video", "openai:sora-2")
    assert fake_openai.control.count() == 0


def test_sora_where_still_served(fake_openai, frames):
    from aiuteur.engines.providers.openai_media import SoraVideoEngine

    fake_openai.control.options["video_polls"] = 2
    result = SoraVideoEngine("sora-2", allow_retired=True).video(clip(frames))
    assert result.usage.video_seconds == 4.0 and "first frame only" in result.note
    form = fake_openai.control.of("videos.create")[0].form()
    assert form["seconds"][1] == b"4" and form["size"][1] == b"1280x720" and "input_reference" in form
    assert fake_openai.control.count("videos.retrieve") == 2 and fake_openai.control.count("videos.content") == 1


def test_fal_kling_first_and_last_frame(fake_fal, frames):
    result = get_engine("video", "fal:kling-v4").video(clip(frames))
    assert result.usage.video_seconds == 4.0 and result.note is None and result.data[4:8] == b"ftyp"
    submit = fake_fal.control.of("submit")[0]
    assert submit.path == "/fal-ai/kling-video/v4/image-to-video"
    assert submit.headers["authorization"] == "Key fake-fal-key-0004"
    args = submit.json
    assert args["start_image_url"].startswith("data:image/png;base64,")
    assert args["end_image_url"].startswith("data:image/png;base64,") and args["duration"] == "4"


def test_fal_veo_first_last_frame_arguments(fake_fal, frames):
    get_engine("video", "fal:veo3.1-fast").video(clip(frames, duration=5))
    args = fake_fal.control.of("submit")[0].json
    assert {k: args[k] for k in ("duration", "aspect_ratio", "resolution", "generate_audio")} == {
        "duration": "6s", "aspect_ratio": "16:9", "resolution": "720p", "generate_audio": True}


def test_fal_resume_by_request_id(fake_fal, frames):
    fake_fal.control.options["polls"] = 3
    request_id = get_engine("video", "fal:kling-v4").start(clip(frames))
    fresh = get_engine("video", "fal:kling-v4")
    assert fresh.poll(request_id, request=clip(frames)) is None
    assert fresh.poll(request_id, request=clip(frames)) is None
    assert fresh.poll(request_id, request=clip(frames)).usage.video_seconds == 4.0
    assert fake_fal.control.count("submit") == 1


def test_fal_rate_limit_is_ours_to_retry(fake_fal, frames):
    fake_fal.control.queue("submit", fake_fal.provider.rate_limited(5))
    with pytest.raises(RateLimited) as caught:
        get_engine("video", "fal:kling-v4").video(clip(frames))
    assert caught.value.retry_after == 5
    assert fake_fal.control.count("submit") == 1  # fal-client's own ten tries are off


def test_fal_content_policy_block(fake_fal, frames):
    fake_fal.control.queue("result", fake_fal.provider.safety("result"))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("video", "fal:kling-v4").video(clip(frames))
    assert caught.value.reason == "content_policy_violation"


def test_fal_missing_key(provider_env, monkeypatch):
    monkeypatch.delenv("FAL_KEY")
    with pytest.raises(MissingKey, match="FAL_KEY"):
        get_engine("video", "fal:kling-v4")


def test_a_dead_veo_operation_is_not_repolled_but_started_again(fake_gemini, frames):
    """A Veo operation that dies at the provider (code 13) is marked `operation_failed`; the job runner
    then starts a new operation instead of polling the dead one until its retries run out."""
    from aiuteur.engines.errors import is_operation_failed
    from aiuteur.engines.providers.errors import ProviderError

    fake_gemini.control.options["dead_operations"] = 1
    engine = get_engine("video", "veo:veo-3.1-fast-generate-preview")
    dead = engine.start(clip(frames))
    with pytest.raises(ProviderError) as failure:
        engine.poll(dead, request=clip(frames))
    assert is_operation_failed(failure.value)
    assert engine.poll(engine.start(clip(frames)), request=clip(frames)) is not None
    assert fake_gemini.control.count("predictLongRunning") == 2
