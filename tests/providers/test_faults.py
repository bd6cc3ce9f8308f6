"""Every engine against every injected fault: the same typed error whatever the SDK, tried once."""
from __future__ import annotations

import pytest

from aiuteur.engines.protocols import ImageRequest, TextRequest, VideoRequest
from aiuteur.engines.providers.errors import MalformedResponse, ProviderUnavailable, RateLimited
from aiuteur.engines.registry import get_engine
from tests.fakes.content import png_bytes
from tests.fakes.fixtures import short_timeout
from tests.fakes.server import Reply
from pydantic import BaseModel


class Answer(BaseModel):
    text: str


def _frame(tmp_path):
    path = tmp_path / "frame.png"
    path.write_bytes(png_bytes(64, 36))
    return path


def _poll_once(engine_id, tmp_path):
    engine = get_engine("video", engine_id)
    return engine.poll(engine.start(VideoRequest(prompt="p", duration=4, fps=24, width=640, height=360,
                                                 start_frame=_frame(tmp_path))))


# name -> (fixture, route, call(tmp_path))
CASES = {
    "anthropic text": ("fake_anthropic", "messages", lambda tmp: get_engine("text", "anthropic:claude-haiku-4-5").write(
        TextRequest(task="t", system="s", prompt="p"), Answer)),
    "gemini image": ("fake_gemini", "generateContent", lambda tmp: get_engine("image", "gemini:gemini-2.5-flash-image").image(
        ImageRequest(prompt="p", width=640, height=360))),
    "gpt-image": ("fake_openai", "images.generate", lambda tmp: get_engine("image", "openai:gpt-image-1").image(
        ImageRequest(prompt="p", width=640, height=360))),
    "veo": ("fake_vertex", "predictLongRunning", lambda tmp: get_engine("video", "veo:veo-3.1-fast-generate-preview").start(
        VideoRequest(prompt="p", duration=4, fps=24, width=640, height=360, start_frame=_frame(tmp)))),
    "veo poll": ("fake_vertex", "fetchPredictOperation", lambda tmp: _poll_once("veo:veo-3.1-fast-generate-preview", tmp)),
    "omni": ("fake_gemini", "interactions.create", lambda tmp: get_engine("video", "gemini:gemini-omni-1.2-flash").start(
        VideoRequest(prompt="p", duration=4, fps=24, width=640, height=360, start_frame=_frame(tmp)))),
    "omni poll": ("fake_gemini", "interactions.get", lambda tmp: _poll_once("gemini:gemini-omni-1.2-flash", tmp)),
    "fal": ("fake_fal", "submit", lambda tmp: get_engine("video", "fal:kling-v4").start(
        VideoRequest(prompt="p", duration=4, fps=24, width=640, height=360, start_frame=_frame(tmp)))),
}
FAULTS = {
    "429": (lambda: Reply.rate_limited(2), RateLimited),
    "500": (lambda: Reply.server_error(500), ProviderUnavailable),
    "timeout": (lambda: Reply.timeout(4), ProviderUnavailable),  # clients give up after SHORT_TIMEOUT_S
    "malformed": (Reply.malformed, MalformedResponse),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("case", list(CASES))
def test_fault(request, tmp_path, monkeypatch, case, fault):
    fixture, route, act = CASES[case]
    fake = request.getfixturevalue(fixture)
    if fault == "timeout":
        short_timeout(monkeypatch)
    make, expected = FAULTS[fault]
    fake.control.queue(route, make())
    with pytest.raises(expected) as caught:
        act(tmp_path)
    assert caught.value.retryable
    if fault == "429":
        assert caught.value.retry_after == 2
    assert fake.control.count(route) == 1  # no SDK retried behind the runner's back


def test_latency_is_added_to_every_answer(fake_gemini):
    fake_gemini.control.latency = 0.2
    get_engine("image", "gemini:gemini-2.5-flash-image").image(ImageRequest(prompt="p", width=640, height=360))
    assert fake_gemini.control.count("generateContent") == 1
