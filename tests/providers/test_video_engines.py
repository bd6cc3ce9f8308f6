"""Video engines (Veo on Vertex AI, Gemini Omni, fal, retired Sora) through their real SDKs, over HTTP,
against the fakes."""
from __future__ import annotations

import base64

import pytest

from aiuteur.engines.capabilities import CapabilityError, RetiredModel, billed_seconds
from aiuteur.engines.protocols import VideoRequest
from aiuteur.engines.providers.errors import MissingCredentials, MissingKey, RateLimited, SafetyBlocked
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


VEO = "veo:veo-3.1-fast-generate-preview"
OMNI = "gemini:gemini-omni-1.2-flash"
VERTEX_MODELS = "/v1beta1/projects/aiuteur-test/locations/us-central1/publishers/google/models"


def test_veo_first_and_last_frame_duration_rounded_up_to_what_it_bills(fake_vertex, frames):
    result = get_engine("video", VEO).video(clip(frames))
    assert result.mime == "video/mp4" and result.data[4:8] == b"ftyp"
    assert result.usage.video_seconds == 4.0 and result.note is None
    assert result.duration == pytest.approx(4.0, abs=0.1) and result.frames == 96
    call = fake_vertex.control.of("predictLongRunning")[0]
    assert call.path == f"{VERTEX_MODELS}/veo-3.1-fast-generate-preview:predictLongRunning"
    instance, params = call.json["instances"][0], call.json["parameters"]
    assert b64(instance["image"]["bytesBase64Encoded"]) == frames[0].read_bytes()
    assert b64(instance["lastFrame"]["bytesBase64Encoded"]) == frames[1].read_bytes()
    assert params == {"sampleCount": 1, "durationSeconds": 4, "aspectRatio": "16:9", "resolution": "720p", "seed": 0,
                      "generateAudio": True}
    polled = fake_vertex.control.of("fetchPredictOperation")[0]
    assert polled.path == f"{VERTEX_MODELS}/veo-3.1-fast-generate-preview:fetchPredictOperation"
    assert polled.json["operationName"].startswith(VERTEX_MODELS[len("/v1beta1/"):])
    assert fake_vertex.control.count("files.download") == 0  # Vertex answers with the bytes


def test_veo_sends_the_project_token_never_the_gemini_key(fake_vertex, frames):
    get_engine("video", VEO).video(clip(frames))
    for sent in fake_vertex.control.requests:
        assert sent.headers["authorization"] == "Bearer fake-vertex-access-token"
        assert "x-goog-api-key" not in sent.headers


def test_veo_through_vertex_express_mode(fake_vertex_express, frames):
    result = get_engine("video", VEO).video(clip(frames))
    assert result.usage.video_seconds == 4.0
    call = fake_vertex_express.control.of("predictLongRunning")[0]
    assert call.path == "/v1beta1/publishers/google/models/veo-3.1-fast-generate-preview:predictLongRunning"
    assert call.headers["x-goog-api-key"] == "fake-google-key-0002"
    assert fake_vertex_express.control.of("fetchPredictOperation")[0].path == (
        "/v1beta1/publishers/google/models/veo-3.1-fast-generate-preview:fetchPredictOperation")


def test_veo_with_only_a_gemini_key_fails_when_built_naming_the_routes(fake_gemini):
    with pytest.raises(MissingCredentials) as caught:
        get_engine("video", VEO)
    message = str(caught.value)
    for needed in ("Veo is served through Vertex AI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
                   "application-default credentials", "GOOGLE_GENAI_USE_VERTEXAI=true", "GOOGLE_API_KEY",
                   "gemini:gemini-omni-1.2-flash"):
        assert needed in message
    assert "fake-google-key-0002" not in message
    assert fake_gemini.control.count() == 0


def test_a_vertex_project_without_credentials_fails_when_built(provider_env, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "aiuteur-test")
    with pytest.raises(MissingCredentials, match="GOOGLE_APPLICATION_CREDENTIALS") as caught:
        get_engine("video", VEO)
    assert "GOOGLE_CLOUD_PROJECT=aiuteur-test" in str(caught.value)
    assert isinstance(caught.value, MissingKey)  # callers that refuse a missing key refuse this too


def test_veo_honours_the_location_and_the_vertex_base_url(fake_vertex, monkeypatch, frames):
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")  # not Vertex's: must not be used
    get_engine("video", VEO).start(clip(frames))
    assert fake_vertex.control.of("predictLongRunning")[0].path.startswith(
        "/v1beta1/projects/aiuteur-test/locations/europe-west4/publishers/google/models/")


def test_veo_reference_images(fake_vertex, frames):
    get_engine("video", "veo:veo-3.1-generate-preview").video(clip(frames, reference_images=[frames[0], frames[1]]))
    refs = fake_vertex.control.of("predictLongRunning")[0].json["instances"][0]["referenceImages"]
    assert [r["referenceType"] for r in refs] == ["ASSET", "ASSET"]


def test_veo_model_without_last_frame_falls_back_and_says_so(fake_vertex, frames):
    result = get_engine("video", "veo:veo-3.0-generate-001").video(clip(frames))
    assert "lastFrame" not in fake_vertex.control.of("predictLongRunning")[0].json["instances"][0]
    assert "first frame only" in result.note and "continuity" in result.note


def test_veo_service_refusing_the_last_frame_falls_back_and_says_so(fake_vertex, frames):
    fake_vertex.control.options["refuse_last_frame"] = True
    engine = get_engine("video", "veo:veo-3.1-generate-preview")
    result = engine.video(clip(frames))
    sent = fake_vertex.control.of("predictLongRunning")
    assert ["lastFrame" in r.json["instances"][0] for r in sent] == [True, False]
    assert "refused the end frame" in result.note


def test_veo_start_and_poll_resume_in_a_new_engine(fake_vertex, frames):
    """What the job runner does after a crash: poll the saved operation id; nothing is submitted again."""
    fake_vertex.control.options["video_polls"] = 3
    operation_id = get_engine("video", VEO).start(clip(frames))
    assert operation_id.startswith(
        "projects/aiuteur-test/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-preview/operations/")
    fresh = get_engine("video", VEO)  # "the next process"
    assert fresh.poll(operation_id, request=clip(frames)) is None
    assert fresh.poll(operation_id, request=clip(frames)) is None
    result = fresh.poll(operation_id, request=clip(frames))
    assert result is not None and result.usage.video_seconds == 4.0
    assert fake_vertex.control.count("predictLongRunning") == 1


def test_veo_poll_without_the_request_reads_facts_from_the_clip(fake_vertex, frames):
    engine = get_engine("video", VEO)
    result = engine.poll(engine.start(clip(frames, duration=5.5)))
    assert result.usage.video_seconds == 6.0


def test_the_fake_bills_each_clip_by_its_own_length(fake_vertex, frames):
    """The fake's bill is independent of what was asked and of the engine: the length of the file it
    returned, read by ffmpeg. Two identical requests are two clips, two bills."""
    from tests.fakes.gemini_fake import clip_seconds

    engine = get_engine("video", VEO)
    first, second = engine.video(clip(frames, duration=5.5)), engine.video(clip(frames, duration=5.5))
    bills = [b for b in fake_vertex.control.usage if b["route"] == "predictLongRunning"]
    assert [b["video_seconds"] for b in bills] == [clip_seconds(first.data), clip_seconds(second.data)] == [6.0, 6.0]
    assert first.data != second.data
    assert fake_vertex.control.count("predictLongRunning") == 2


def test_usage_is_the_clip_the_provider_returned_not_the_plan(fake_vertex, frames):
    """A model that does not keep to the request is recorded at what it made: the bill's seconds."""
    fake_vertex.control.options["clip_seconds"] = 5
    engine = get_engine("video", VEO)
    assert engine.estimate(clip(frames)).video_seconds == 4.0
    result = engine.video(clip(frames))
    bill = fake_vertex.control.usage[-1]
    assert result.usage.video_seconds == bill["video_seconds"] == 5.0
    assert result.usage.tier == "720p/audio" and (bill["resolution"], bill["audio"]) == ("720p", True)


def test_the_fake_refuses_what_veo_cannot_make(fake_vertex):
    """The fake keeps its own table of what each model takes (not the client's matrix)."""
    from google import genai
    from google.genai import errors, types

    from tests.fakes.fixtures import VERTEX_LOCATION, VERTEX_PROJECT

    client = genai.Client(vertexai=True, project=VERTEX_PROJECT, location=VERTEX_LOCATION,
                          http_options=types.HttpOptions(base_url=fake_vertex.url,
                                                         retry_options=types.HttpRetryOptions(attempts=1)))
    for config in (dict(duration_seconds=5), dict(duration_seconds=4, resolution="4k")):
        with pytest.raises(errors.ClientError, match="Unsupported"):
            client.models.generate_videos(model="veo-3.1-fast-generate-preview",
                                          source=types.GenerateVideosSource(prompt="p"),
                                          config=types.GenerateVideosConfig(**config))
    assert not fake_vertex.provider.operations


def test_veo_safety_filter_keeps_the_reason(fake_vertex, frames):
    fake_vertex.control.queue("fetchPredictOperation",
                              fake_vertex.provider.safety("fetchPredictOperation", "celebrity likeness"))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("video", VEO).video(clip(frames))
    assert caught.value.reason == "celebrity likeness" and not caught.value.retryable


def test_veo_answer_without_bytes_is_refused(fake_vertex, frames):
    """Vertex returns a Cloud Storage URI only when an output bucket was asked for; aiuteur never asks."""
    from aiuteur.engines.providers.errors import MalformedResponse

    fake_vertex.control.respond("fetchPredictOperation", lambda r: {"name": r.json["operationName"], "done": True,
                                "response": {"videos": [{"gcsUri": "gs://bucket/sample_0.mp4", "mimeType": "video/mp4"}]}})
    with pytest.raises(MalformedResponse, match="gs://bucket/sample_0.mp4") as caught:
        get_engine("video", VEO).video(clip(frames))
    assert not caught.value.retryable


@pytest.mark.parametrize("change,field", [
    (dict(width=576, height=432), "aspect_ratio"),        # 4:3: Veo makes 16:9 and 9:16
    (dict(width=688, height=288), "aspect_ratio"),        # 2.39:1
    (dict(duration=9.0), "duration"),                     # longer than Veo's 8 s
])
def test_capability_check_refuses_before_any_request(fake_vertex, frames, change, field):
    engine = get_engine("video", VEO)
    with pytest.raises(CapabilityError) as caught:
        engine.video(clip(frames, **change))
    assert caught.value.field == field
    assert fake_vertex.control.count() == 0


def test_unsupported_resolution_is_refused_before_any_request(fake_vertex, frames):
    from aiuteur.engines.providers.google import VeoEngine

    with pytest.raises(CapabilityError, match="resolution"):
        VeoEngine("veo-2.0-generate-001", resolution="1080p").video(clip(frames, duration=6))
    assert fake_vertex.control.count() == 0


# -- Gemini Omni through the Interactions API (a Gemini API key) --------------------------------
def test_omni_start_frame_prompt_and_format_go_to_the_interactions_api(fake_gemini, frames):
    result = get_engine("video", OMNI).video(clip(frames, end=False))
    assert result.mime == "video/mp4" and result.data[4:8] == b"ftyp" and result.note is None
    assert result.usage.video_seconds == 4.0 and result.duration == pytest.approx(4.0, abs=0.1)
    call = fake_gemini.control.of("interactions.create")[0]
    assert call.path == "/v1/interactions" and call.headers["x-goog-api-key"] == "fake-google-key-0002"
    body = call.json
    assert body["model"] == "gemini-omni-1.2-flash" and body["background"] is True
    text, image = body["input"][0]["content"]
    assert text == {"type": "text", "text": "Waves break on the rocks below the lighthouse."}
    assert image["type"] == "image" and image["mime_type"] == "image/png"
    assert base64.b64decode(image["data"]) == frames[0].read_bytes()
    assert body["response_format"] == {"type": "video", "aspect_ratio": "16:9", "duration": "4s", "resolution": "720p",
                                       "delivery": "inline"}
    assert body["generation_config"] == {"video_config": {"task": "image_to_video"}, "seed": 0}
    assert fake_gemini.control.of("interactions.get")[0].path.startswith("/v1/interactions/interaction-")


def test_omni_takes_no_end_frame_and_says_so(fake_gemini, frames):
    result = get_engine("video", OMNI).video(clip(frames))
    images = [c for c in fake_gemini.control.of("interactions.create")[0].json["input"][0]["content"]
              if c["type"] == "image"]
    assert len(images) == 1 and "first frame only" in result.note


def test_omni_start_and_poll_resume_in_a_new_engine(fake_gemini, frames):
    fake_gemini.control.options["video_polls"] = 3
    interaction_id = get_engine("video", OMNI).start(clip(frames, duration=7))
    fresh = get_engine("video", OMNI)
    assert fresh.poll(interaction_id, request=clip(frames, duration=7)) is None
    assert fresh.poll(interaction_id, request=clip(frames, duration=7)) is None
    result = fresh.poll(interaction_id, request=clip(frames, duration=7))
    assert result.usage.video_seconds == 7.0  # Omni makes whole seconds from 3 to 15
    assert fake_gemini.control.count("interactions.create") == 1


def test_omni_usage_is_what_the_fake_billed(fake_gemini, frames):
    from tests.fakes.gemini_fake import OMNI_TOKENS_PER_SECOND, clip_seconds

    result = get_engine("video", "gemini:gemini-omni-1.1-flash").video(clip(frames, duration=5))
    bill = fake_gemini.control.usage[-1]
    assert bill["route"] == "interactions" and bill["model"] == "gemini-omni-1.1-flash"
    assert bill["video_seconds"] == clip_seconds(result.data) == result.usage.video_seconds == 5.0
    assert bill["output_tokens"] == 5 * OMNI_TOKENS_PER_SECOND


def test_omni_downloads_a_clip_delivered_by_uri(fake_gemini, frames):
    fake_gemini.control.options["video_delivery"] = "uri"
    result = get_engine("video", OMNI).video(clip(frames))
    assert result.data[4:8] == b"ftyp" and fake_gemini.control.count("files.download") == 1


def test_omni_api_version_follows_the_sdk_variable(fake_gemini, monkeypatch, frames):
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "beta")
    get_engine("video", OMNI).video(clip(frames))
    assert fake_gemini.control.of("interactions.create")[0].path == "/v1beta/interactions"


def test_omni_safety_block_keeps_the_reason(fake_gemini, frames):
    fake_gemini.control.queue("interactions.get", fake_gemini.provider.safety("interactions.get", "PROHIBITED_CONTENT"))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("video", OMNI).video(clip(frames))
    assert "PROHIBITED_CONTENT" in caught.value.reason and not caught.value.retryable


def test_a_dead_omni_interaction_is_started_again(fake_gemini, frames):
    from aiuteur.engines.errors import is_operation_failed
    from aiuteur.engines.providers.errors import ProviderError

    fake_gemini.control.options["dead_operations"] = 1
    engine = get_engine("video", OMNI)
    with pytest.raises(ProviderError) as failure:
        engine.poll(engine.start(clip(frames)), request=clip(frames))
    assert is_operation_failed(failure.value) and failure.value.retryable
    assert engine.poll(engine.start(clip(frames)), request=clip(frames)) is not None


def test_omni_cancel(fake_gemini, frames):
    from aiuteur.engines.providers.errors import BadRequest

    fake_gemini.control.options["video_polls"] = 5
    engine = get_engine("video", OMNI)
    interaction_id = engine.start(clip(frames))
    engine.cancel(interaction_id)
    assert fake_gemini.control.of("interactions.cancel")[0].path == f"/v1/interactions/{interaction_id}/cancel"
    with pytest.raises(BadRequest, match="cancelled"):
        engine.poll(interaction_id)
    assert not any(b["route"] == "interactions" for b in fake_gemini.control.usage)


def test_omni_refuses_what_it_cannot_make_before_any_request(fake_gemini, frames):
    engine = get_engine("video", OMNI)
    with pytest.raises(CapabilityError, match="duration"):
        engine.video(clip(frames, duration=16))
    assert fake_gemini.control.count() == 0


def test_omni_needs_a_gemini_key(provider_env, monkeypatch):
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(MissingKey, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        get_engine("video", OMNI)


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


def test_a_dead_veo_operation_is_not_repolled_but_started_again(fake_vertex, frames):
    """A Veo operation that dies at the provider (code 13) is marked `operation_failed`; the job runner
    then starts a new operation instead of polling the dead one until its retries run out."""
    from aiuteur.engines.errors import is_operation_failed
    from aiuteur.engines.providers.errors import ProviderError

    fake_vertex.control.options["dead_operations"] = 1
    engine = get_engine("video", VEO)
    dead = engine.start(clip(frames))
    with pytest.raises(ProviderError) as failure:
        engine.poll(dead, request=clip(frames))
    assert is_operation_failed(failure.value)
    assert engine.poll(engine.start(clip(frames)), request=clip(frames)) is not None
    assert fake_vertex.control.count("predictLongRunning") == 2
