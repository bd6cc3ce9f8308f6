"""Choosing engines: project settings, environment, flags; the matrix, prices and docs agree."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiuteur.cli import app
from aiuteur.costs.prices import load_prices
from aiuteur.engines import capabilities
from aiuteur.engines.capabilities import RetiredModel
from aiuteur.engines.config import EngineSettings, engines_for, project_settings, resolve, set_project_engines
from aiuteur.engines.protocols import Usage
from aiuteur.engines.providers.errors import MissingCredentials, MissingKey
from aiuteur.engines.registry import UnknownEngine
from aiuteur.models.project import ProjectConfig
from aiuteur.stages import input as input_stage
from tests.conftest import LIGHTHOUSE

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(store):
    found, _ = input_stage.start(store, "lighthouse", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
    return found


def test_offline_unless_configured(store, project, provider_env):
    choice = resolve(store, project, environ={})
    assert choice.ids() == {"text": "offline:draft-writer", "image": "offline:storyboard", "video": "offline:animatic"}
    assert set(choice.sources.values()) == {"default"}


def test_flag_over_environment_over_project(store, project, provider_env):
    set_project_engines(store, project, text="gemini:gemini-2.5-flash", video="veo:veo-3.1-generate-preview")
    env = {"AIUTEUR_TEXT_ENGINE": "openai:gpt-4.1-mini", "AIUTEUR_IMAGE_ENGINE": "openai:gpt-image-1"}
    choice = resolve(store, project, video="fal:kling-v4", environ=env)
    assert choice.ids() == {"text": "openai:gpt-4.1-mini", "image": "openai:gpt-image-1", "video": "fal:kling-v4"}
    assert choice.sources == {"text": "env", "image": "env", "video": "flag"}
    assert resolve(store, project, environ={}).sources == {"text": "project", "image": "default", "video": "project"}


def test_project_settings_are_versioned(store, project):
    first = set_project_engines(store, project, video="veo:veo-3.1-generate-preview")
    second = set_project_engines(store, project, video="fal:kling-v4", text="openai:gpt-4.1-mini")
    assert second.id != first.id and second.parent_id == first.id and second.number == first.number + 1
    assert project_settings(store, project) == EngineSettings(text="openai:gpt-4.1-mini", video="fal:kling-v4")
    set_project_engines(store, project, video=None)
    assert project_settings(store, project).video is None


@pytest.mark.parametrize("kind,engine_id,error", [
    ("video", "veo", UnknownEngine),                  # no model
    ("video", "runway:gen4", UnknownEngine),          # no such provider
    ("text", "veo:veo-3.1-generate-preview", UnknownEngine),  # a video provider asked for text
    ("video", "openai:sora-2", RetiredModel),
])
def test_bad_ids_are_refused_when_chosen(store, project, kind, engine_id, error):
    with pytest.raises(error):
        set_project_engines(store, project, **{kind: engine_id})
    assert store.head(project, "settings/engines") is None


def test_missing_key_fails_when_the_engines_are_built(store, project, provider_env, monkeypatch):
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(MissingKey, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        engines_for(store, project, image="gemini:gemini-2.5-flash-image")


def test_veo_without_a_vertex_route_fails_when_the_engines_are_built(store, project, provider_env):
    """A Gemini API key alone cannot run Veo (google-genai 3.x serves it on Vertex AI only): refused
    before any stage runs, with the routes that would work."""
    with pytest.raises(MissingCredentials, match="Vertex AI.*GOOGLE_CLOUD_PROJECT.*gemini:gemini-omni-1.2-flash"):
        engines_for(store, project, video="veo:veo-3.1-fast-generate-preview")


def test_every_model_in_the_matrix_has_a_price_with_a_source():
    prices = load_prices()
    for engine_id, caps in capabilities.load_matrix().items():
        entry = prices.entry(engine_id)
        assert entry["kind"] == caps.kind, engine_id
        assert entry.get("source") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.get("checked", "")), engine_id
        assert caps.source and caps.checked, engine_id


def test_local_models_are_free():
    assert load_prices().cost("openai-compatible:llama3.1:8b", Usage(input_tokens=10**6)) == 0


def test_docs_show_the_matrix_as_it_is():
    from aiuteur.engines.capabilities import markdown_table

    docs = (ROOT / "docs" / "providers.md").read_text()
    block = re.search(r"<!-- matrix:begin -->\n(.*?)<!-- matrix:end -->", docs, re.S)
    assert block, "docs/providers.md has no generated matrix block"
    assert block.group(1) == markdown_table(), ("docs/providers.md is out of date: regenerate the block with "
                                                "`python -m aiuteur.engines.capabilities`")


def test_cli_engines_json(provider_env, monkeypatch):
    def video_rows():
        result = runner.invoke(app, ["engines", "--json", "--kind", "video"])
        assert result.exit_code == 0, result.output
        assert provider_env["GOOGLE_API_KEY"] not in result.output
        assert provider_env["OPENAI_API_KEY"] not in result.output
        return {r["engine_id"]: r for r in json.loads(result.output)["engines"]}

    rows = video_rows()
    assert rows["veo:veo-3.1-fast-generate-preview"]["key_set"] is False  # a Gemini key is not a Vertex route
    assert rows["gemini:gemini-omni-1.2-flash"]["key_set"] is True
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")  # express mode
    assert video_rows()["veo:veo-3.1-fast-generate-preview"]["key_set"] is True
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "aiuteur-test")  # a project (credentials checked at build)
    rows = video_rows()
    assert rows["veo:veo-3.1-fast-generate-preview"]["last_frame"] is True
    assert rows["veo:veo-3.1-fast-generate-preview"]["key_set"] is True
    assert rows["openai:sora-2"]["status"] == "retired"
    assert rows["fal:kling-v4"]["price"]["per_second"] == 0.157
    assert all(r["kind"] == "video" for r in rows.values())


def test_cli_use_engines_then_engines_for_the_project(tmp_path, provider_env):
    workspace = tmp_path / "ws.duckdb"
    from aiuteur import open_store

    with open_store(workspace) as store:
        input_stage.start(store, "lighthouse", LIGHTHOUSE, ProjectConfig(title="The Last Light"))
    result = runner.invoke(app, ["use-engines", "lighthouse", "--video", "veo:veo-3.1-fast-generate-preview",
                                 "--workspace", str(workspace), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sources"]["video"] == "project"
    result = runner.invoke(app, ["engines", "--project", "lighthouse", "--workspace", str(workspace), "--json"])
    assert json.loads(result.output)["project"]["ids"]["video"] == "veo:veo-3.1-fast-generate-preview"
    result = runner.invoke(app, ["use-engines", "lighthouse", "--video", "openai:sora-2", "--workspace", str(workspace)])
    assert result.exit_code == 1 and "retired" in result.output


@pytest.mark.parametrize("flags,message", [
    (["--video", "openai:sora-2"], "retired"),
    (["--text", "openai:gpt-4.1-mini"], "OPENAI_API_KEY"),
])
def test_demo_refuses_bad_engines_before_writing_anything(tmp_path, provider_env, monkeypatch, flags, message):
    monkeypatch.delenv("OPENAI_API_KEY")
    workspace = tmp_path / "ws.duckdb"
    result = runner.invoke(app, ["demo", "--workspace", str(workspace), "--out", str(tmp_path / "out"), *flags])
    assert result.exit_code == 1 and message in result.output
    from aiuteur import open_store

    with open_store(workspace) as store:
        assert store.list_projects() == []
