"""Engines as plug-ins: hooks in the `aiuteur.engines` entry-point group, built-ins loaded the same
way, a broken plug-in named in a warning instead of a crash, and the example plug-in's engines."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest
from PIL import Image

from aiuteur.costs.prices import load_prices
from aiuteur.engines import registry
from aiuteur.engines.config import resolve
from aiuteur.engines.gateway import is_paid
from aiuteur.engines.offline import StoryboardRenderer
from aiuteur.engines.protocols import ImageRequest, Usage
from aiuteur.engines.registry import EnginePluginWarning, UnknownEngine, get_engine
from aiuteur.models.story import TreatmentSet
from aiuteur.engines.protocols import TextRequest
from tests.conftest import LIGHTHOUSE
from tests.plugin_site import BROKEN, PAID_STAMP, hook, isolated_registry, with_path, write_plugin  # noqa: F401

GROUP = registry.ENTRY_POINT_GROUP




def test_the_example_plugin_is_found_through_its_entry_point():
    installed = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    assert installed.get("example") == "aiuteur_example_engines:register_engines"
    served = {(p.kind, p.provider): p for p in registry.registered()}
    image, text = served[("image", "example")], served[("text", "example")]
    assert image.source == text.source == "aiuteur-example-engines" and image.local and text.local
    assert image.ids() == ["example:storyboard-blue", "example:storyboard-red", "example:storyboard-sepia"]
    assert text.ids() == ["example:draft-writer"]


def test_builtins_are_hooks_of_the_same_group_loaded_by_the_same_code():
    assert all(ep.group == GROUP for ep in registry.BUILTIN_HOOKS)
    offline = {p.kind: p for p in registry.registered() if p.provider == "offline" and p.kind in registry.OFFLINE}
    assert {k: p.ids() for k, p in offline.items()} == {k: [v] for k, v in registry.OFFLINE.items()}
    assert {p.hook for p in offline.values()} == {"aiuteur.engines.builtin:register_offline"}
    assert registry.provider_of("video", "veo:veo-3.1-generate-preview").hook == "aiuteur.engines.providers:register_all"


def test_example_image_engine_tints_the_storyboard_frame():
    request = ImageRequest(prompt="p", width=160, height=90, context={"location": "LIGHTHOUSE", "caption": "Elsa"})
    engine = get_engine("image", "example:storyboard-blue")
    made = engine.image(request)
    assert engine.id == "example:storyboard-blue" and made.usage == Usage(images=1)
    plain = Image.open(io.BytesIO(StoryboardRenderer().image(request).data)).convert("RGB")
    tinted = Image.open(io.BytesIO(made.data)).convert("RGB")
    expected = Image.blend(plain, Image.new("RGB", plain.size, (40, 90, 200)), 0.35)
    assert list(tinted.getdata()) == list(expected.getdata()) and list(tinted.getdata()) != list(plain.getdata())


def test_example_text_engine_writes_what_the_offline_writer_writes():
    request = TextRequest(task="treatment", system="s", prompt="p", context={"idea": LIGHTHOUSE, "title": "T"})
    mine, _ = get_engine("text", "example:draft-writer").write(request, TreatmentSet)
    offline, _ = get_engine("text", "offline:draft-writer").write(request, TreatmentSet)
    assert mine == offline and len(mine.variants) == 3


def test_local_plugins_are_free_and_direct_paid_ones_priced_by_their_declaration(isolated_registry, tmp_path,
                                                                                  monkeypatch):
    assert not is_paid("example:storyboard-blue") and load_prices().cost("example:storyboard-blue", Usage(images=9)) == 0
    monkeypatch.syspath_prepend(str(write_plugin(tmp_path, "paidstamp-engines", "paidstamp_plugin", PAID_STAMP)))
    assert registry.load_plugins([hook("paidstamp", "paidstamp_plugin")]) == []
    assert is_paid("paidstamp:blue") and load_prices().cost("paidstamp:blue", Usage(images=3)) == 0.006
    assert is_paid("openai:gpt-image-1") and not is_paid("offline:storyboard")


def test_a_plugin_that_cannot_be_imported_is_named_in_a_warning_and_skipped(isolated_registry):
    with pytest.warns(EnginePluginWarning, match=r"engine plug-in 'nowhere' \(no_such_module_here:register_engines"):
        problems = registry.load_plugins([hook("nowhere", "no_such_module_here")])
    assert [p.name for p in problems] == ["nowhere"] and "ModuleNotFoundError" in problems[0].reason
    assert problems[0] in registry.plugin_problems()
    assert get_engine("image", "example:storyboard-red").id == "example:storyboard-red"  # the others still work


def test_a_hook_that_fails_midway_registers_nothing(isolated_registry, tmp_path, monkeypatch):
    (tmp_path / "halfway_plugin.py").write_text(
        "def register_engines(register):\n"
        "    register('image', 'halfway', lambda m: None, local=True)\n"
        "    register('audio', 'halfway', lambda m: None, local=True)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(EnginePluginWarning, match="'audio' is not one of text, image, video"):
        registry.load_plugins([hook("halfway", "halfway_plugin")])
    assert "halfway" not in registry.providers("image")


def test_a_plugin_cannot_take_over_a_builtin_provider(isolated_registry, tmp_path, monkeypatch):
    (tmp_path / "thief_plugin.py").write_text(
        "def register_engines(register):\n    register('image', 'openai', lambda m: None)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(EnginePluginWarning, match="'openai' is already served by aiuteur"):
        registry.load_plugins([hook("thief", "thief_plugin")])
    assert registry.provider_of("image", "openai:gpt-image-1").source == "aiuteur"


def test_a_plugin_engine_must_carry_the_id_it_was_asked_for(isolated_registry, tmp_path, monkeypatch):
    (tmp_path / "liar_plugin.py").write_text(
        "class Liar:\n    id = 'offline:storyboard'\n    def image(self, request): ...\n"
        "def register_engines(register):\n    register('image', 'liar', lambda m: Liar(), local=True)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.load_plugins([hook("liar", "liar_plugin")])
    with pytest.raises(UnknownEngine, match="needs id == 'liar:x'"):
        get_engine("image", "liar:x")  # else the generations table would record the wrong engine


def test_a_model_the_plugin_does_not_serve_is_refused_with_the_ones_it_does():
    with pytest.raises(UnknownEngine, match="example:storyboard-blue, example:storyboard-red"):
        get_engine("image", "example:storyboard-green")
    with pytest.raises(UnknownEngine, match=r"^\$AIUTEUR_IMAGE_ENGINE: .*storyboard-green"):
        resolve(environ={"AIUTEUR_IMAGE_ENGINE": "example:storyboard-green"})
    assert resolve(environ={"AIUTEUR_IMAGE_ENGINE": "example:storyboard-blue"}).sources["image"] == "env"


def test_cli_lists_plugin_ids_and_survives_a_broken_plugin(tmp_path):
    """A new process, as a user runs it: the broken plug-in is a warning naming it, not a traceback."""
    site = write_plugin(tmp_path / "site", "broken-engines", "broken_plugin", BROKEN, name="broken")
    command = [sys.executable, "-c", "from aiuteur.cli import app; app()", "engines", "--kind", "image", "--json"]
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": with_path(site)}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "EnginePluginWarning" in done.stderr and "'broken'" in done.stderr and "broken-engines" in done.stderr
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    assert [(p["name"], p["source"]) for p in data["plugin_errors"]] == [("broken", "broken-engines")]
    assert "libstoryboard.so" in data["plugin_errors"][0]["reason"]
    ids = {i for p in data["providers"] for i in p["ids"]}
    assert {"example:storyboard-blue", "offline:storyboard", "openai:*"} <= ids
    table = subprocess.run(command[:-1], env={**os.environ, "PYTHONPATH": with_path(site), "COLUMNS": "200"},
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "example:storyboard-blue" in table.stdout and "plug-in skipped" in table.stdout
