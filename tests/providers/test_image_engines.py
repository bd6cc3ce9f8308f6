"""Image engines through google-genai and openai, over HTTP, against the fakes."""
from __future__ import annotations

import base64

import pytest

from aiuteur.engines.capabilities import CapabilityError
from aiuteur.engines.protocols import ImageRequest
from aiuteur.engines.providers.errors import MissingCredentials, MissingKey, RateLimited, SafetyBlocked
from aiuteur.engines.registry import get_engine
from tests.fakes.content import png_bytes


@pytest.fixture
def refs(tmp_path):
    paths = []
    for name in ("elsa", "jonah", "tomas", "previous-frame"):
        path = tmp_path / f"{name}.png"
        path.write_bytes(png_bytes(48, 27, name))
        paths.append(path)
    return paths


def b64(text: str) -> bytes:
    """google-genai sends url-safe base64, unpadded."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def request(refs=(), width=640, height=360, prompt="EXT. LIGHTHOUSE - NIGHT. Elsa climbs the stairs."):
    return ImageRequest(prompt=prompt, width=width, height=height, references=list(refs))


def test_gemini_image_sends_references_as_image_parts(fake_gemini, refs):
    result = get_engine("image", "gemini:gemini-2.5-flash-image").image(request(refs[:2]))
    assert result.mime == "image/png" and result.data.startswith(b"\x89PNG")
    assert (result.width, result.height) == (1344, 768)  # 16:9 from 640x360
    assert result.usage.images == 1 and result.note is None
    body = fake_gemini.control.of("generateContent")[0].json
    parts = body["contents"][0]["parts"]
    sent = [b64(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
    assert sent == [refs[0].read_bytes(), refs[1].read_bytes()]
    assert body["generationConfig"]["responseModalities"] == ["IMAGE"]
    assert body["generationConfig"]["imageConfig"]["aspectRatio"] == "16:9"


def test_gemini_image_keeps_the_previous_frame_when_references_overflow(fake_gemini, refs):
    result = get_engine("image", "gemini:gemini-2.5-flash-image").image(request(refs))  # 4 > 3
    parts = fake_gemini.control.of("generateContent")[0].json["contents"][0]["parts"]
    sent = [b64(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
    assert sent == [refs[0].read_bytes(), refs[1].read_bytes(), refs[3].read_bytes()]
    assert "3 of 4" in result.note


@pytest.mark.parametrize("reason", ["SAFETY", "IMAGE_SAFETY"])
def test_gemini_image_safety_block_keeps_the_reason(fake_gemini, reason):
    fake_gemini.control.queue("generateContent", fake_gemini.provider.safety("generateContent", reason))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("image", "gemini:gemini-2.5-flash-image").image(request())
    assert caught.value.reason == reason and not caught.value.retryable


def test_gemini_rate_limit_keeps_retry_after_and_is_tried_once(fake_gemini):
    fake_gemini.control.queue("generateContent", fake_gemini.provider.rate_limited(3))
    with pytest.raises(RateLimited) as caught:
        get_engine("image", "gemini:gemini-2.5-flash-image").image(request())
    assert caught.value.retry_after == 3
    assert fake_gemini.control.count() == 1


def test_unsupported_aspect_ratio_is_refused_before_any_request(fake_vertex):
    engine = get_engine("image", "imagen:imagen-4.0-generate-001")
    with pytest.raises(CapabilityError, match="aspect_ratio"):
        engine.image(request(width=688, height=288))  # 2.39:1: Imagen makes up to 16:9
    assert fake_vertex.control.count() == 0


def test_gemini_serves_scope_as_21_9(fake_gemini):
    result = get_engine("image", "gemini:gemini-2.5-flash-image").image(request(width=688, height=288))
    assert (result.width, result.height) == (1536, 672)


def test_imagen_through_vertex_express_mode(fake_vertex_express, refs):
    result = get_engine("image", "imagen:imagen-4.0-generate-001").image(request(refs[:1]))
    assert result.data.startswith(b"\x89PNG") and result.usage.images == 1
    assert "no reference images" in result.note
    call = fake_vertex_express.control.of("predict")[0]
    assert call.path == "/v1beta1/publishers/google/models/imagen-4.0-generate-001:predict"
    assert call.headers["x-goog-api-key"] == "fake-google-key-0002" and "authorization" not in call.headers
    assert call.json["parameters"]["aspectRatio"] == "16:9"


def test_imagen_through_a_vertex_project(fake_vertex):
    """A project with application-default credentials: the token goes out, the Gemini key does not."""
    result = get_engine("image", "imagen:imagen-4.0-generate-001").image(request())
    assert result.data.startswith(b"\x89PNG")
    call = fake_vertex.control.of("predict")[0]
    assert call.path == ("/v1beta1/projects/aiuteur-test/locations/us-central1/publishers/google/models/"
                         "imagen-4.0-generate-001:predict")
    assert call.headers["authorization"] == "Bearer fake-vertex-access-token" and "x-goog-api-key" not in call.headers


def test_imagen_with_only_a_gemini_key_fails_when_built(fake_gemini):
    with pytest.raises(MissingCredentials) as caught:
        get_engine("image", "imagen:imagen-4.0-generate-001")
    message = str(caught.value)
    assert "Vertex AI" in message and "GOOGLE_CLOUD_PROJECT" in message and "GOOGLE_GENAI_USE_VERTEXAI=true" in message
    assert "gemini:gemini-2.5-flash-image" in message
    assert fake_gemini.control.count() == 0


def test_imagen_safety_filter(fake_vertex):
    fake_vertex.control.queue("predict", fake_vertex.provider.safety("predict", "Unsafe content"))
    with pytest.raises(SafetyBlocked, match="Unsafe content"):
        get_engine("image", "imagen:imagen-4.0-generate-001").image(request())


@pytest.mark.parametrize("model,references", [("gemini-3.1-flash-image", 4), ("nano-banana-pro-preview", 4)])
def test_gemini_3_image_models(fake_gemini, refs, model, references):
    """The current Gemini image models take all four references (the 2.5 model keeps three)."""
    result = get_engine("image", f"gemini:{model}").image(request(refs))
    assert result.data.startswith(b"\x89PNG") and result.note is None and (result.width, result.height) == (1344, 768)
    call = fake_gemini.control.of("generateContent")[0]
    assert call.path == f"/v1/models/{model}:generateContent"
    sent = [b64(p["inlineData"]["data"]) for p in call.json["contents"][0]["parts"] if "inlineData" in p]
    assert sent == [p.read_bytes() for p in refs][:references]


@pytest.mark.parametrize("version,prefix", [(None, "/v1/"), ("beta", "/v1beta/"), ("v1alpha", "/v1alpha/")])
def test_gemini_api_version_follows_the_sdk_variable(fake_gemini, monkeypatch, version, prefix):
    """google-genai 3.x calls /v1 unless GOOGLE_GENAI_API_VERSION says otherwise; aiuteur passes it through."""
    if version:
        monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", version)
    get_engine("image", "gemini:gemini-2.5-flash-image").image(request())
    assert fake_gemini.control.of("generateContent")[0].path == f"{prefix}models/gemini-2.5-flash-image:generateContent"


def test_gemini_image_through_vertex_when_the_sdk_switch_says_so(fake_vertex_express):
    get_engine("image", "gemini:gemini-2.5-flash-image").image(request())
    call = fake_vertex_express.control.of("generateContent")[0]
    assert call.path == "/v1beta1/publishers/google/models/gemini-2.5-flash-image:generateContent"


def test_gpt_image_generate_without_references(fake_openai):
    result = get_engine("image", "openai:gpt-image-1").image(request())
    assert (result.width, result.height) == (1536, 1024)
    body = fake_openai.control.of("images.generate")[0].json
    assert body["size"] == "1536x1024" and body["quality"] == "medium" and body["model"] == "gpt-image-1"


def test_gpt_image_references_go_through_edit(fake_openai, refs):
    get_engine("image", "openai:gpt-image-1").image(request(refs))
    form = fake_openai.control.of("images.edit")[0].form()
    images = [v[1] for k, v in form.items() if k.startswith("image")]
    assert images == [p.read_bytes() for p in refs] and "mask" not in form


def test_gpt_image_masked_edit_for_inpainting(fake_openai, refs, tmp_path):
    mask = tmp_path / "mask.png"
    mask.write_bytes(png_bytes(48, 27, "mask"))
    result = get_engine("image", "openai:gpt-image-1").edit(request(refs[:2], prompt="repaint the lamp"), mask=mask)
    assert result.data.startswith(b"\x89PNG")
    form = fake_openai.control.of("images.edit")[0].form()
    assert form["mask"][1] == mask.read_bytes()
    assert form["image[]"][1] == refs[0].read_bytes()  # the image being edited comes first
    assert form["prompt"][1] == b"repaint the lamp"


def test_mask_on_a_model_without_inpainting_is_refused(fake_gemini, refs, tmp_path):
    from aiuteur.engines import capabilities

    with pytest.raises(CapabilityError, match="mask"):
        capabilities.plan_image("gemini:gemini-2.5-flash-image", request(refs), mask=True)


def test_gpt_image_moderation_block(fake_openai):
    fake_openai.control.queue("images.generate", fake_openai.provider.safety("images.generate"))
    with pytest.raises(SafetyBlocked) as caught:
        get_engine("image", "openai:gpt-image-1").image(request())
    assert caught.value.reason == "moderation_blocked"


@pytest.mark.parametrize("engine_id,variable", [("gemini:gemini-2.5-flash-image", "GOOGLE_API_KEY or GEMINI_API_KEY"),
                                                ("openai:gpt-image-1", "OPENAI_API_KEY")])
def test_missing_key(engine_id, variable, provider_env, monkeypatch):
    for name in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingKey, match=variable):
        get_engine("image", engine_id)


def test_gemini_api_key_alone_is_enough(provider_env, monkeypatch, fake_gemini):
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("GEMINI_API_KEY", "fake-gemini-only")
    get_engine("image", "gemini:gemini-2.5-flash-image").image(request())
    assert fake_gemini.control.of("generateContent")[0].headers["x-goog-api-key"] == "fake-gemini-only"
