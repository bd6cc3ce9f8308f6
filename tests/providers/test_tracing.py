"""LangSmith tracing against a local fake endpoint: runs named per project and stage, trace ids on
the generations, and never a key or media bytes in what is sent."""
from __future__ import annotations

import dataclasses


from aiuteur import Engines, open_store, run, start_project, tracing
from aiuteur.models.project import ProjectConfig
from tests.conftest import LIGHTHOUSE
from tests.fakes.oracle import DraftOracle


def _until_assets(tmp_path, fake_openai):
    """Treatment to assets: text calls, then one asset image per character and location."""
    oracle = DraftOracle()
    fake_openai.control.respond("text", oracle.respond)
    engines = Engines.from_ids(text="openai:gpt-4.1-mini", image="gemini:gemini-2.5-flash-image")
    engines = dataclasses.replace(engines, text=oracle.wrap(engines.text))
    store = open_store(tmp_path / "ws.duckdb")
    project, _ = start_project(store, "Night Watch", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.5))
    run(store, project, engines, until="assets")
    tracing.flush()
    return store, project


def test_engine_calls_are_traced_with_ids_on_the_generations(tmp_path, fake_langsmith, fake_openai, fake_gemini,
                                                             provider_env):
    store, project = _until_assets(tmp_path, fake_openai)
    try:
        rows = store.generations(project.id)
        assert rows and all(r.trace_id for r in rows)
        assert len({r.trace_id for r in rows}) == len(rows)  # one trace per generation
        sent = fake_langsmith.provider.text()
        assert "aiuteur:Night Watch" in sent  # the LangSmith project is named for the aiuteur project
        assert "treatment/text openai:gpt-4.1-mini" in sent and "assets/image gemini:gemini-2.5-flash-image" in sent
        for row in rows:
            assert row.trace_id in sent
        assert "ChatOpenAI" in sent  # the LangChain model's own run nests under ours
        assert "generate_content gemini-2.5-flash-image" in sent
        # never a key, never media bytes
        for secret in list(provider_env.values()) + ["lsv2-fake-langsmith-key-0005"]:
            assert secret not in sent
        assert "iVBORw0KGgo" not in sent and "\\x89PNG" not in sent and "data:image" not in sent
    finally:
        store.close()


def test_tracing_is_off_unless_asked(tmp_path, fake_openai, fake_gemini, monkeypatch):
    from tests.fakes.langsmith_fake import LangSmithFake
    from tests.fakes.server import RunningFake

    with RunningFake(LangSmithFake()) as langsmith:
        monkeypatch.setenv("LANGSMITH_ENDPOINT", langsmith.url)  # an endpoint alone does not turn tracing on
        monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-unused")
        monkeypatch.delenv("LANGSMITH_TRACING", raising=False)
        store, project = _until_assets(tmp_path, fake_openai)
        try:
            assert all(r.trace_id is None for r in store.generations(project.id))
            assert langsmith.control.count() == 0
        finally:
            store.close()


def test_scrub_describes_media_and_drops_secrets(tmp_path):
    picture = tmp_path / "frame.png"
    picture.write_bytes(b"\x89PNG" + b"0" * 100)
    cleaned = tracing.scrub({"api_key": "sk-secret", "Authorization": "Bearer x", "image": b"\x89PNG....",
                             "ref": picture, "uri": "data:image/png;base64," + "A" * 1000, "b64": "QUJD" * 300,
                             "prompt": "EXT. HARBOR - NIGHT", "nested": [{"token": "t"}]})
    assert cleaned["api_key"] == cleaned["Authorization"] == "<redacted>"
    assert cleaned["image"] == "<8 bytes>" and cleaned["ref"] == "<file frame.png, 104 bytes>"
    assert cleaned["uri"].startswith("<data URI") and cleaned["b64"].endswith("chars of base64>")
    assert cleaned["prompt"] == "EXT. HARBOR - NIGHT" and cleaned["nested"] == [{"token": "<redacted>"}]
